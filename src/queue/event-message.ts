/** The body of every message on the events queue: a reference to the event, never its payload. */
import { z } from "zod";
import { EventId } from "../claim/ledger-rpc";

export const EventMessage = z.object({
  v: z.literal(1),
  source: z.string().min(1).max(64),
  id: EventId,
  type: z.string().max(256),
  /** The ledger shard holding the event, fixed at accept time so a shard-count change cannot lose it. */
  shard: z.number().int().nonnegative(),
});

export type EventMessage = z.infer<typeof EventMessage>;
