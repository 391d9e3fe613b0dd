/**
 * Events claimed in ledger shards no other test file claims in, whose outbox never sends: a test that consumes
 * its own queue messages (`consume`) runs each event exactly when it says. Shards 16–1,023 of
 * `CLAIM_SHARDS` 1,024 (the tests' own configuration has fewer).
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { expect } from "vitest";
import type { EventMessage } from "../../src/claim/event-message";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import worker from "../../src/index";
import { githubEvent, post } from "./signed-requests";

/** The `CLAIM_SHARDS` a test environment sets to use quiet shards. */
export const QUIET_SHARDS = 1024;
const FIRST_QUIET_SHARD = 16;

/** Runs one request through the Worker with `testEnv`, waiting for what it left running. */
export async function fetchWorker(request: Request, testEnv: Env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/**
 * Accepts one signed GitHub `issues` event (`payloadFor(id)`, its `action` naming the type) through the real
 * ingress, in a quiet shard; returns the queue message the test then consumes itself.
 */
export async function acceptQuietly(
  testEnv: Env,
  payloadFor: (id: string) => { action: string } & Record<string, unknown>,
): Promise<EventMessage> {
  let id = crypto.randomUUID();
  while (shardForEvent("github", id, QUIET_SHARDS) < FIRST_QUIET_SHARD) id = crypto.randomUUID();
  const shard = shardForEvent("github", id, QUIET_SHARDS);
  await ledgerFor(testEnv, shard).injectFaults({ failSends: 1000 });
  const payload = payloadFor(id);
  const response = await fetchWorker(post(await githubEvent(payload, { id })), testEnv);
  expect(response.status).toBe(202);
  return { v: 1, source: "github", id, type: `issues.${payload.action}`, shard };
}

/** Accepts one `issues.opened` of issue `number` (by `ada`) in a quiet shard; returns its queue message. */
export function acceptOpenedIssue(testEnv: Env, number: number): Promise<EventMessage> {
  return acceptQuietly(testEnv, () => ({
    action: "opened",
    issue: { number, id: crypto.randomUUID() },
    sender: { login: "ada" },
  }));
}
