/**
 * Builds the queue messages that can run an event's unfinished deliveries: the plain message for its own
 * deliveries and one per unfinished replay, each delayed until its lease or backoff is over.
 */
import { BUNDLE_EVENTS, type EventBundle, type EventMessage, parseDeliveryKey } from "./event-message";
import type { LeaseBook } from "./lease-book";
import * as SQL from "./ledger-sql";
import { MAX_QUEUE_DELAY_SECONDS } from "./retry-delay";

/** Seconds until `until`, within what the queue accepts. */
const delaySecondsUntil = (until: number, now: number) =>
  Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.ceil((until - now) / 1000)));

/** The plain message of a claim (or a replay's, naming its replay and delivery), sent after a delay. */
export function messageFor(
  claim: SQL.ClaimRow,
  delaySeconds = 0,
  replay?: { replay: number; handler: string },
): MessageSendRequest<EventMessage> {
  const body: EventMessage = {
    v: 1,
    source: claim.source,
    id: claim.event_id,
    type: claim.type,
    shard: claim.shard,
    ...replay,
  };
  return { body, contentType: "json", ...(delaySeconds > 0 ? { delaySeconds } : {}) };
}

/**
 * The messages that send new claims: a claim alone gets its plain message; claims sent together go in
 * bundles of BUNDLE_EVENTS (one queue message each), per shard, in acceptance order.
 */
export function newClaimMessages(claims: SQL.ClaimRow[]): MessageSendRequest<EventMessage | EventBundle>[] {
  const messages: MessageSendRequest<EventMessage | EventBundle>[] = [];
  const byShard = Map.groupBy(claims, (claim) => claim.shard);
  for (const [shard, ofShard] of byShard)
    for (let start = 0; start < ofShard.length; start += BUNDLE_EVENTS) {
      const chunk = ofShard.slice(start, start + BUNDLE_EVENTS);
      const [only] = chunk;
      if (chunk.length === 1 && only) {
        messages.push(messageFor(only));
        continue;
      }
      const events = chunk.map((claim) => ({ source: claim.source, id: claim.event_id, type: claim.type }));
      messages.push({ body: { v: 2, shard, events }, contentType: "json" });
    }
  return messages;
}

/**
 * The messages a claim needs now. An unfinished claim gets a plain message for its own deliveries, delayed
 * until the end of their backoffs when every unsettled one is waiting out a backoff (a delivery that never
 * settled has no row, so otherwise it goes at once: the consumer then sees what is leased); every unfinished
 * replay delivery gets a message naming its replay and handler.
 */
export function messagesForEvent(
  sql: SqlStorage,
  leases: LeaseBook,
  claim: SQL.ClaimRow,
  now: number,
): MessageSendRequest<EventMessage>[] {
  const rows = sql.exec<SQL.OutcomeRow>(SQL.SELECT_OUTCOMES, claim.seq).toArray();
  const waitUntil = (row: SQL.OutcomeRow) =>
    Math.max(row.not_before ?? 0, leases.heldUntil(claim.seq, row.handler, now) ?? 0);
  const messages: MessageSendRequest<EventMessage>[] = [];
  if (claim.status === "accepted" || claim.status === "retrying") {
    const waits = rows
      .filter((row) => row.state === "failed" && parseDeliveryKey(row.handler).replay === undefined)
      .map(waitUntil);
    const until = waits.length > 0 && claim.status === "retrying" ? Math.min(...waits) : now;
    messages.push(messageFor(claim, delaySecondsUntil(until, now)));
  }
  for (const row of rows) {
    const { handler, replay } = parseDeliveryKey(row.handler);
    if (replay !== undefined && row.state === "failed")
      messages.push(messageFor(claim, delaySecondsUntil(waitUntil(row), now), { replay, handler }));
  }
  return messages;
}
