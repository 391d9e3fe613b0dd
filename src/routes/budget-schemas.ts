/** A route budget's config, the RouteBudget Durable Object's RPC inputs and its answers: one zod schema each. */
import { z } from "zod";
import { checkPath } from "./filter-schema";

/** The longest window a budget counts over; the counted event ids are kept this long at most. */
export const MAX_BUDGET_WINDOW_SECONDS = 7 * 24 * 3600;
/** The most events one key may use in a window (each one is a stored row until it leaves the window). */
export const MAX_BUDGET_EVENTS = 10_000;

/**
 * `"budget": { "key": "payload.issue.number", "max": 20, "windowSeconds": 3600 }` on a route: at most
 * `max` events per key value within any `windowSeconds`; further ones end as `suppressed` (rule `budget`).
 */
export const BudgetConfig = z.strictObject({
  /** A dotted path into the envelope, read as filters read it (docs/filters.md); its first value is the key. */
  key: z.string().superRefine((path, context) => {
    const problem = checkPath(path);
    if (problem) context.addIssue({ code: "custom", message: problem });
  }),
  max: z.number().int().min(1).max(MAX_BUDGET_EVENTS),
  windowSeconds: z.number().int().min(1).max(MAX_BUDGET_WINDOW_SECONDS),
});
export type BudgetConfig = z.infer<typeof BudgetConfig>;

/** A budget key as stored and shown: the key's value, or `sha256:<hex>` of a long one. */
export const BudgetKey = z.string().min(1).max(128);
/** Epoch milliseconds; tests pass it to fake time, callers in production leave it out. */
const Now = z.number().int().nonnegative().optional();
const Limits = { max: BudgetConfig.shape.max, windowSeconds: BudgetConfig.shape.windowSeconds };

/** `count`: one event of `key` wants to be delivered by the route; `event` makes the count idempotent. */
export const CountInput = z.strictObject({
  route: z.string().min(1).max(128),
  key: BudgetKey,
  event: z.string().min(1).max(700),
  ...Limits,
  now: Now,
});

/** The answer to `count`: `admitted` false means the event ends as suppressed. */
export type BudgetDecision = { admitted: boolean; counted: number };

/** `trips`: the keys over budget now. */
export const TripsInput = z.strictObject({ ...Limits, now: Now });

/** `reset`: an operator clears a key's trip; the key counts from zero again. */
export const ResetInput = z.strictObject({ route: z.string().min(1).max(128), key: BudgetKey, now: Now });

/** A key over its budget, as the admin API and the dashboard show it. */
export const TrippedKey = z.object({
  key: z.string(),
  trippedAt: z.number().int().meta({ description: "epoch ms of the first event refused in this trip" }),
  suppressed: z.number().int().meta({ description: "events refused (suppressed) since the trip began" }),
  reopensAt: z.number().int().meta({
    description: "epoch ms when the oldest counted event leaves the window and the key admits again",
  }),
});
export type TrippedKey = z.infer<typeof TrippedKey>;
