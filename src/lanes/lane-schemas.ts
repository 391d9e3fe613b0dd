/** The LaneKeeper's RPC inputs and answers, and a lane as the admin API shows it: one zod schema each. */
import { z } from "zod";
import { EventId, HandlerName } from "../claim/ledger-rpc";

/** A lane key: the `orderBy` value, as text. Longer values are not ordered (see lane-ticket.ts). */
export const LaneKey = z.string().min(1).max(256);

/** How a route's lanes treat a poisoned head and a burst of waiting events; passed with every call. */
export const LanePolicy = z.strictObject({
  onPoison: z.enum(["skip", "block"]),
  coalesce: z.enum(["latest"]).nullable(),
});
export type LanePolicy = z.infer<typeof LanePolicy>;

/** What a lane keeps of an event: enough to send its queue message again. */
export const LaneEvent = z.strictObject({
  source: z.string().min(1).max(64),
  id: EventId,
  type: z.string().max(256),
  shard: z.number().int().nonnegative(),
});
export type LaneEvent = z.infer<typeof LaneEvent>;

/** One ordered delivery: its route, lane, the route's policy, the event and its `coalesceBy` value. */
export const LaneCall = z.strictObject({
  route: HandlerName,
  key: LaneKey,
  policy: LanePolicy,
  event: LaneEvent,
  /** The event's `coalesceBy` value (a provider sequence or timestamp); null without one. */
  orderValue: z.union([z.string().max(256), z.number()]).nullable(),
});
export type LaneCall = z.infer<typeof LaneCall>;

/** What became of an admitted delivery (or of a superseded one), once the ledger recorded it. */
export const LaneReport = LaneCall.extend({
  outcome: z.enum(["done", "failed", "dead", "superseded"]),
  error: z.string().max(1000).nullable(),
});
export type LaneReport = z.infer<typeof LaneReport>;

/** The lane's answer to "may this event's delivery start?". */
export type LaneAdmission =
  /** It is the head: run it; `skipped` lists the events dead-lettered just before it. */
  | { verdict: "go"; seq: number; skipped: string[] }
  /** An earlier event is still running (or the lane is blocked): the lane sends the message again later. */
  | { verdict: "wait"; blocked: boolean }
  /** A newer event replaced it (`coalesce: "latest"`): record it as superseded. */
  | { verdict: "superseded" };

/** `lanes(state)`: which lanes to list. */
export const LaneFilter = z.enum(["blocked", "waiting"]).optional();

/** One lane as an operator sees it. */
export const LaneView = z
  .object({
    route: z.string(),
    key: z.string(),
    state: z.enum(["active", "blocked", "idle"]).meta({
      description:
        "`blocked`: its head used up its attempts under `onPoison: block`; `idle`: nothing waits or runs",
    }),
    head: z
      .object({
        source: z.string(),
        id: z.string(),
        type: z.string(),
        seq: z.number().int(),
        acceptedAt: z.iso.datetime(),
      })
      .nullable()
      .meta({ description: "the event being delivered (or blocking the lane)" }),
    waiting: z.number().int().meta({ description: "events accepted after the head, not yet delivered" }),
    lastError: z.string().nullable(),
    skipped: z
      .array(z.string())
      .meta({ description: "ids dead-lettered and skipped, given to the next head" }),
  })
  .meta({ description: "One ordered lane of a route: the events of one `orderBy` value." });
export type LaneView = z.infer<typeof LaneView>;
