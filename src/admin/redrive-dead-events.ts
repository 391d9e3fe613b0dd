/**
 * Redrives dead events (API and dashboard): the given ones, or the newest dead events up to `limit`
 * (at most 100 per call).
 */

import { listEvents, readEvent } from "./read-event-log";
import { redriveEvent } from "./replay-event";

type EventKey = { source: string; id: string };

export async function redriveDeadEvents(env: Env, targets: EventKey[] | null, limit = 100) {
  let keys = targets;
  if (!keys) {
    const dead = await listEvents(env, { status: "dead", limit: Math.min(limit, 100) });
    keys = dead.ok ? dead.events.map(({ source, id }) => ({ source, id })) : [];
  }
  const redriven: EventKey[] = [];
  const skipped: (EventKey & { reason: string })[] = [];
  for (const { source, id } of keys.slice(0, 100)) {
    const found = await readEvent(env, source, id);
    const outcome = found
      ? await redriveEvent(env, source, id, found.shard)
      : ({ ok: false, reason: "not_found" } as const);
    if (outcome.ok) redriven.push({ source, id });
    else skipped.push({ source, id, reason: outcome.reason });
  }
  return { redriven, skipped };
}
