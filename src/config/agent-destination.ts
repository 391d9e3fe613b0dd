/**
 * A route's `agent` destination (a Cloudflare Agent, or any Durable Object with an RPC method): the schema
 * of what the config may say, and the check that the binding it names exists in this environment.
 */
import { z } from "zod";
import { checkPath } from "../routes/filter-schema";

/**
 * Names a route may not call: what every object inherits, the Durable Object runtime's own entry points
 * (`fetch`, `alarm`, the WebSocket hooks), `then` (a stub with a `then` would be awaited as a promise), and
 * the Agents SDK's built-ins, so a webhook can never set an Agent's state, schedule, or destroy it directly.
 */
const RESERVED_METHODS = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  "then",
  "fetch",
  "alarm",
  "connect",
  "dup",
  "webSocketMessage",
  "webSocketClose",
  "webSocketError",
  "setName",
  "setState",
  "onStateUpdate",
  "sql",
  "schedule",
  "scheduleEvery",
  "cancelSchedule",
  "getSchedule",
  "getSchedules",
  "queue",
  "dequeue",
  "broadcast",
  "destroy",
  "onStart",
  "onRequest",
  "onConnect",
  "onMessage",
  "onClose",
  "onError",
  "onEmail",
  "replyToEmail",
]);

const JS_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,127}$/;

/**
 * `{ binding, name, method }`: the Durable Object namespace binding (`JOB_TRACKER`), the envelope path whose
 * value names the instance (`payload.job_id`, as in filters), and the RPC method called with the envelope
 * and `{ idempotencyKey, attempt }`.
 */
export const AgentDestination = z.strictObject({
  binding: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "a binding name such as JOB_TRACKER (wrangler.toml)"),
  name: z
    .string()
    .min(1)
    .superRefine((path, context) => {
      const problem = checkPath(path);
      if (problem) context.addIssue({ code: "custom", message: problem });
    }),
  method: z
    .string()
    .regex(JS_IDENTIFIER, "a method name such as onWebhook")
    .refine(
      (method) => !RESERVED_METHODS.has(method),
      "this name belongs to the runtime, Object or the Agents SDK: name a method of your own, such as onWebhook",
    ),
  /** How long one attempt waits for the method; default AGENT_TIMEOUT_MS. */
  timeoutMs: z.number().int().min(100).max(120_000).optional(),
});
export type AgentDestination = z.infer<typeof AgentDestination>;

/** Whether `value` is a Durable Object namespace binding (local, or another Worker's via `script_name`). */
export function isDurableObjectNamespace(value: unknown): value is DurableObjectNamespace {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "idFromName") === "function" &&
    typeof Reflect.get(value, "get") === "function"
  );
}

/** The mistake in an agent destination that only the environment reveals: its binding is missing. */
export function agentBindingError(destination: AgentDestination, env: object): string | null {
  if (isDurableObjectNamespace(Reflect.get(env, destination.binding))) return null;
  return `${destination.binding} is not a Durable Object binding here: add it under [[durable_objects.bindings]] in wrangler.toml (with script_name when the Agent lives in another Worker)`;
}
