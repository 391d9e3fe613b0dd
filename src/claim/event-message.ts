/** The body of every message on the events queue: a reference to the event, never its payload. */
import { z } from "zod";
import { EventId, HandlerName } from "./ledger-rpc";

export const EventMessage = z.object({
  v: z.literal(1),
  source: z.string().min(1).max(64),
  id: EventId,
  type: z.string().max(256),
  /** The ledger shard holding the event, fixed at accept time so a shard-count change cannot lose it. */
  shard: z.number().int().nonnegative(),
  /** Set on operator replays: the replay number, which gives every handler fresh delivery state and keys. */
  replay: z.number().int().positive().optional(),
  /** Limits a replay to one handler. */
  handler: HandlerName.optional(),
});

export type EventMessage = z.infer<typeof EventMessage>;

/** The ledger key of one handler's delivery state: replays get their own, so they bypass deduplication. */
export const deliveryKey = (handler: string, replay?: number) =>
  replay ? `${handler}#replay-${replay}` : handler;

/** The handler name inside a delivery key (handler names cannot contain `#`). */
export const handlerOfKey = (key: string) => key.replace(/#replay-\d+$/, "");

/** The handler and replay number (undefined for the event's own delivery) of a delivery key. */
export function parseDeliveryKey(key: string): { handler: string; replay?: number } {
  const match = /^(.*)#replay-(\d+)$/.exec(key);
  return match?.[1] ? { handler: match[1], replay: Number(match[2]) } : { handler: key };
}

/** `<source>:<event id>:<handler>`, plus `:replay-<n>` for replays (so they get a new `webhook-id`). */
export const idempotencyKeyOf = (source: string, id: string, handler: string, replay?: number) =>
  `${source}:${id}:${handler}${replay ? `:replay-${replay}` : ""}`;
