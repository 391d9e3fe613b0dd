/**
 * The bodies of the messages on the events queue: references to events, never their payloads. A message
 * names one event (`v: 1`), or bundles the events of one shard that the outbox sent together (`v: 2`):
 * one queue message, and so one set of queue operations, for up to BUNDLE_EVENTS events.
 */
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

/** Events per bundle: ~150 B each, far inside the queue's 64 KB per billed operation and 128 KB limit. */
export const BUNDLE_EVENTS = 20;

/** New events of one shard sent together: each is what a `v: 1` message would say, less `v` and `shard`. */
export const EventBundle = z.object({
  v: z.literal(2),
  shard: z.number().int().nonnegative(),
  events: z
    .array(EventMessage.omit({ v: true, shard: true }))
    .min(1)
    .max(100),
});
export type EventBundle = z.infer<typeof EventBundle>;

/** Any message Hookgate puts on an events queue. */
export const QueuedMessage = z.discriminatedUnion("v", [EventMessage, EventBundle]);
export type QueuedMessage = z.infer<typeof QueuedMessage>;

/** The events a queued message runs, each as a message of its own would name it. */
export const eventsOf = (message: QueuedMessage): EventMessage[] =>
  message.v === 1 ? [message] : message.events.map((event) => ({ ...event, v: 1, shard: message.shard }));

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
