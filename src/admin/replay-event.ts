/**
 * Operator actions on the pipeline. A replay deliberately bypasses deduplication: it gets a new replay
 * number, so each handler runs again with fresh delivery state and a new idempotency key (and so a new
 * `webhook-id`). A redrive gives an event's dead handlers a fresh set of attempts.
 */

import type { EventMessage } from "../claim/event-message";
import { ledgerFor, shardForEvent } from "../claim/shard-for-event";
import { settingsFrom } from "../config/settings";
import { readEvent } from "./read-event-log";

export type ReplayOutcome =
  | { ok: true; replay: number }
  | { ok: false; reason: "not_found" | "enqueue_failed" | "filtered" }
  | { ok: false; reason: "payload_purged"; claimKeptUntil: number };

/**
 * The shard the event was claimed in, wherever its claim is found: recomputing it from the current
 * CLAIM_SHARDS would miss every event claimed before the shard count changed. Falls back to the computed
 * shard when no shard holds it (the replay then answers not found).
 */
async function storedEvent(
  env: Env,
  source: string,
  id: string,
): Promise<{ shard: number; status?: string }> {
  const logged = await readEvent(env, source, id);
  return {
    shard: logged?.shard ?? shardForEvent(source, id, settingsFrom(env).CLAIM_SHARDS),
    status: logged?.event.status,
  };
}

export async function replayEvent(
  env: Env,
  source: string,
  id: string,
  handler?: string,
): Promise<ReplayOutcome> {
  const { shard, status } = await storedEvent(env, source, id);
  // Its stored fan-out is empty: replaying "every route" would run nothing.
  if (status === "filtered" && handler === undefined) return { ok: false, reason: "filtered" };
  const started = await ledgerFor(env, shard).startReplay({ source, id });
  if (!started) return { ok: false, reason: "not_found" };
  if ("claimKeptUntil" in started)
    return { ok: false, reason: "payload_purged", claimKeptUntil: started.claimKeptUntil };
  const message: EventMessage = {
    v: 1,
    source,
    id,
    type: started.type,
    shard: started.shard,
    replay: started.replay,
    handler,
  };
  try {
    await env.EVENTS_QUEUE.send(message, { contentType: "json" });
  } catch {
    return { ok: false, reason: "enqueue_failed" };
  }
  return { ok: true, replay: started.replay };
}

export type RedriveOutcome = { ok: true } | { ok: false; reason: "not_found" | "not_dead" };

/**
 * Revives the event's dead handlers (replays included) in its ledger shard, which sends the messages that
 * run them through its outbox (so a failed send is retried, never lost); the claim is the log row, so the
 * log shows the redrive at once.
 */
export async function redriveEvent(
  env: Env,
  source: string,
  id: string,
  shard: number,
): Promise<RedriveOutcome> {
  const revived = await ledgerFor(env, shard).reviveDead({ source, id });
  if (revived === null) return { ok: false, reason: "not_found" };
  if (revived === 0) return { ok: false, reason: "not_dead" };
  return { ok: true };
}
