/**
 * Builds the queue messages that can run an event's unfinished handlers: the plain message for its own
 * handlers and one per unfinished replay, each delayed until its lease or backoff is over.
 */
import { type EventMessage, parseDeliveryKey } from "./event-message";
import * as SQL from "./ledger-sql";
import { MAX_QUEUE_DELAY_SECONDS } from "./retry-delay";

type DeliveryWait = { handler: string; state: string; lease_until: number | null; not_before: number | null };

/** Seconds until the later of a row's lease and backoff, within what the queue accepts. */
function delaySecondsFor(rows: DeliveryWait[], now: number): number {
  const until = Math.max(now, ...rows.map((row) => Math.max(row.lease_until ?? 0, row.not_before ?? 0)));
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.ceil((until - now) / 1000));
}

function message(row: SQL.OutboxRow, delaySeconds: number, replay?: { replay: number; handler: string }) {
  const body: EventMessage = {
    v: 1,
    source: row.source,
    id: row.event_id,
    type: row.type,
    shard: row.shard,
    ...replay,
  };
  return {
    body,
    contentType: "json" as const,
    ...(delaySeconds > 0 ? { delaySeconds } : {}),
  } satisfies MessageSendRequest<EventMessage>;
}

/**
 * The messages an event needs now. A fresh event (`mayHaveDeliveries` false skips the lookup on the hot
 * path) gets one plain message. Otherwise its own handlers get a plain message while none has started or
 * one is `running` or `failed`, and every unfinished replay row gets a message naming its replay and handler.
 */
export function messagesForEvent(
  sql: SqlStorage,
  row: SQL.OutboxRow,
  now: number,
  mayHaveDeliveries = true,
): MessageSendRequest<EventMessage>[] {
  if (!mayHaveDeliveries) return [message(row, 0)];
  const rows = sql.exec<DeliveryWait>(SQL.SELECT_DELIVERY_WAITS, row.source, row.event_id).toArray();
  const unfinished = (r: DeliveryWait) => r.state === "running" || r.state === "failed";
  const own = rows.filter((r) => parseDeliveryKey(r.handler).replay === undefined);
  const messages: MessageSendRequest<EventMessage>[] = [];
  if (own.length === 0 || own.some(unfinished))
    messages.push(message(row, delaySecondsFor(own.filter(unfinished), now)));
  for (const replayRow of rows.filter(unfinished)) {
    const { handler, replay } = parseDeliveryKey(replayRow.handler);
    if (replay !== undefined)
      messages.push(message(row, delaySecondsFor([replayRow], now), { replay, handler }));
  }
  return messages;
}
