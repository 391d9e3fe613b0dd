/**
 * zod schemas of the dashboard's form posts and query strings. HTML forms submit empty fields as "", so
 * blank values are dropped before the admin API's own query schema sees them.
 */
import { z } from "zod";
import { ListEventsQuery, ReplayQuery } from "../admin/admin-schemas";
import { BudgetKey } from "../routes/budget-schemas";
import { RouteName } from "../routes/gate-schemas";

function dropBlankFields(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== ""));
}

const replayNumber = z.coerce.number().int().min(0).max(1_000_000);
const count = z.coerce.number().int().min(0).max(1000);

/** Filters and paging of the event list; `live=1` turns on the page's auto-refresh (off by default). */
export const EventListPageQuery = z.preprocess(
  dropBlankFields,
  ListEventsQuery.extend({ live: z.enum(["0", "1"]).optional() }),
);

export const DeadLettersPageQuery = z.preprocess(
  dropBlankFields,
  ListEventsQuery.omit({ status: true }).extend({ redriven: count.optional(), skipped: count.optional() }),
);

export const RedriveOutcome = z.enum(["redriven", "not_found", "not_dead", "enqueue_failed"]);

export const EventDetailPageQuery = z.preprocess(
  dropBlankFields,
  z.object({
    replayed: replayNumber.optional(),
    redrive: RedriveOutcome.optional(),
    live: z.enum(["0", "1"]).optional(),
  }),
);

/** Same bounds as the admin API's redrive body. */
export const EventParams = z.object({ source: z.string().min(1).max(64), id: z.string().min(1).max(512) });

export const LoginForm = z.object({ token: z.string().min(1).max(1024) });

export const ReplayForm = z.preprocess(dropBlankFields, z.object({ handler: ReplayQuery.shape.handler }));

/** The confirm page of a replay: the same choice as the form it will post. */
export const ReplayConfirmQuery = z.preprocess(
  dropBlankFields,
  z.strictObject({ handler: ReplayQuery.shape.handler }),
);

/** One event when `source` and `id` are given, else every dead event up to the API's bound of 100. */
export const RedriveForm = z.preprocess(
  dropBlankFields,
  z.object({
    source: EventParams.shape.source.optional(),
    id: EventParams.shape.id.optional(),
    back: z.enum(["dead-letters", "event"]).default("dead-letters"),
  }),
);

/** The Routes page, after a Pause or Resume button: which route, and what was done. */
export const RoutesPageQuery = z.preprocess(
  dropBlankFields,
  z.strictObject({ done: z.enum(["paused", "resumed", "reset"]).optional(), route: RouteName.optional() }),
);

/** A budget key's Reset button. */
export const BudgetResetParams = z.object({ name: z.string().min(1).max(200), key: BudgetKey });

/** A route's Pause or Resume button. */
export const RouteActionParams = z.object({
  name: z.string().min(1).max(200),
  action: z.enum(["pause", "resume"]),
});
