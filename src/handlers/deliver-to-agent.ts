/**
 * Delivers an event to a Cloudflare Agent: the instance of the route's Durable Object binding named by a
 * path into the envelope (`payload.job_id`), through an RPC call to the route's method with the envelope
 * (the same JSON a `url` destination is POSTed) and `{ idempotencyKey, attempt }`.
 *
 * The instance is reached with the Agents SDK's `getAgentByName`, so the Agent knows its own `this.name`
 * (the binding must name an Agent: a class that extends the SDK's `Agent`). That costs an initialisation
 * round trip, so stubs are kept for the consumer batch (agent-stub-cache.ts). What the Agent throws
 * decides what happens next, as for any handler: `GiveUp` dead-letters at once, `RetryLater` retries after
 * its `retryAfterSeconds`, anything else retries with the usual backoff. An RPC error keeps only the error's name, message and own
 * fields, so those two are recognised by `name` (and `retryAfterSeconds`), not by class. An attempt waits
 * `timeoutMs` (default AGENT_TIMEOUT_MS) for the method, then is retried like a URL destination's timeout.
 * A payload nested more than MAX_AGENT_PAYLOAD_DEPTH levels deep is dead at once, uncalled: an RPC call
 * copies its arguments recursively and overflows the stack a few thousand levels down, on every retry
 * alike (a `url` destination delivers such a payload).
 */
import { type Agent, getAgentByName } from "agents";
import { z } from "zod";
import { type AgentDestination, isDurableObjectNamespace } from "../config/agent-destination";
import { settingsFrom } from "../config/settings";
import { nestedDeeperThan } from "../normalize/json-text";
import { valuesAtPath } from "../routes/match-filter";
import { TimeoutError, withTimeout } from "../shared/with-timeout";
import { cachedAgentStub, forgetAgentStub } from "./agent-stub-cache";
import type { HandlerContext, WebhookEnvelope } from "./envelope";
import { forwardedEnvelopeOf } from "./forward-to-agent";
import { GiveUp, RetryLater } from "./handler-error";

/** What the Agent's method receives after the envelope. */
export interface AgentDelivery {
  /** `<source>:<event id>:<route>` (`…:replay-<n>` for a replay): the same on every retry of one delivery. */
  readonly idempotencyKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/** Agent instance names are at most this long; a longer value is no name an operator could look up. */
const MAX_AGENT_NAME_LENGTH = 512;

/** How deep a payload an Agent is given may nest: well within what an RPC call can copy. */
export const MAX_AGENT_PAYLOAD_DEPTH = 1_000;

/** The fields an error keeps across RPC that say what to do next; anything else in it is ignored. */
const RemoteDecision = z.object({
  name: z.enum(["RetryLater", "GiveUp"]),
  message: z.string(),
  retryAfterSeconds: z.number().finite().min(0).max(86_400).optional().catch(undefined),
});

/** The instance name the path reaches: its first value, a non-empty string or a finite number. */
function agentNameFor(destination: AgentDestination, event: WebhookEnvelope): string | null {
  const [value] = valuesAtPath(event, destination.name);
  const name =
    typeof value === "string"
      ? value
      : typeof value === "number" && Number.isFinite(value)
        ? String(value)
        : "";
  return name.length > 0 && name.length <= MAX_AGENT_NAME_LENGTH ? name : null;
}

/** The binding as the SDK types it: which class it serves is only known when a method is called. */
function isAgentNamespace(value: unknown): value is DurableObjectNamespace<Agent<Env>> {
  return isDurableObjectNamespace(value);
}

/** The Agent's error as the handler contract reads it: its own `GiveUp` / `RetryLater`, or a plain retry. */
function decisionOf(error: unknown, label: string): Error {
  const decision = RemoteDecision.safeParse(error);
  const message = error instanceof Error ? error.message : String(error);
  const reason = `${label}: ${message.replace(/\s+/g, " ").slice(0, 400) || "no reason given"}`;
  if (decision.success && decision.data.name === "GiveUp") return new GiveUp(reason);
  if (decision.success) return new RetryLater(reason, decision.data.retryAfterSeconds);
  const kind = error instanceof Error && error.name !== "Error" ? `${error.name}: ` : "";
  return new Error(`${label} threw ${kind}${message.slice(0, 400)}`);
}

/**
 * Calls the route's Agent for one event. Throws `GiveUp` when the event names no instance or nests too
 * deep for RPC (retrying cannot change its payload), a retried error when the binding is gone, and what
 * the Agent decided.
 */
export async function deliverToAgent(
  destination: AgentDestination,
  event: WebhookEnvelope,
  context: HandlerContext,
): Promise<void> {
  const { binding, method } = destination;
  const namespace: unknown = Reflect.get(context.env, binding);
  if (!isAgentNamespace(namespace))
    throw new Error(`${binding} is not a Durable Object binding in this environment`);
  const name = agentNameFor(destination, event);
  if (name === null)
    throw new GiveUp(
      `${destination.name} holds no agent name (a non-empty string or a number, at most ${MAX_AGENT_NAME_LENGTH} characters)`,
    );
  const label = `agent ${binding}(${JSON.stringify(name.slice(0, 64))}).${method}`;
  context.describeAttempt({ destination: label });
  if (nestedDeeperThan(event.payload, MAX_AGENT_PAYLOAD_DEPTH))
    throw new GiveUp(
      `the payload is nested more than ${MAX_AGENT_PAYLOAD_DEPTH} levels deep, too deep for an RPC call to an Agent (a url destination can deliver it)`,
    );
  const stubKey = `${binding}\0${name}`;
  const delivery: AgentDelivery = { idempotencyKey: context.idempotencyKey, attempt: context.attempt };
  const timeoutMs = destination.timeoutMs ?? settingsFrom(context.env).AGENT_TIMEOUT_MS;
  const attempt = async () => {
    const stub = await cachedAgentStub(stubKey, () => getAgentByName(namespace, name));
    const call: unknown = Reflect.get(stub, method);
    if (typeof call !== "function") throw new Error(`${label} is not callable`);
    await Reflect.apply(call, stub, [forwardedEnvelopeOf(event), delivery]);
  };
  try {
    // The call cannot be cancelled: it may still finish after the retry is planned, which the Agent's
    // `onceFor` with this idempotency key turns into one state change.
    await withTimeout(attempt(), timeoutMs, label);
  } catch (error) {
    forgetAgentStub(stubKey);
    if (error instanceof TimeoutError)
      throw new RetryLater(`no answer from ${label} within ${timeoutMs} ms (timeout)`);
    throw decisionOf(error, label);
  }
}
