/**
 * A route budget's counter: one Durable Object per (route, key group), so every event of one key value is
 * counted by the same instance across the whole deployment, exactly. The consumer asks `count` before a
 * route's delivery runs; operators list `trips` and `reset` a key. docs/agent-safety.md explains the design.
 */
import { DurableObject } from "cloudflare:workers";
import { log, logWarning } from "../shared/log";
import { type BudgetDecision, CountInput, ResetInput, type TrippedKey, TripsInput } from "./budget-schemas";
import { BudgetBook } from "./budget-storage";

export class RouteBudget extends DurableObject<Env> {
  private readonly book: BudgetBook;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.book = new BudgetBook(ctx.storage.sql);
  }

  /**
   * Counts one event of `key` for the route, once: an event already counted (its message delivered again,
   * or its failed delivery retried) is admitted again without counting. Past `max` in the window the event
   * is refused; the first refusal of a trip logs one warning, later ones only add to its count.
   */
  count(input: unknown): BudgetDecision {
    const { route, key, event, max, windowSeconds, now = Date.now() } = CountInput.parse(input);
    const windowMs = windowSeconds * 1000;
    this.book.prune(now, windowMs);
    const { counted } = this.book.inWindow(key, now, windowMs);
    if (this.book.wasCounted(key, event)) return { admitted: true, counted };
    if (counted < max) {
      this.book.count(key, event, now);
      this.book.endTrip(key);
      return { admitted: true, counted: counted + 1 };
    }
    if (this.book.refuse(key, now))
      logWarning("budget", { outcome: "budget_tripped", route, key, max, windowSeconds });
    return { admitted: false, counted };
  }

  /** The keys of this group that are over budget now, with when each admits again. */
  trips(input: unknown): TrippedKey[] {
    const { max, windowSeconds, now = Date.now() } = TripsInput.parse(input);
    const windowMs = windowSeconds * 1000;
    this.book.prune(now, windowMs);
    const tripped: TrippedKey[] = [];
    for (const trip of this.book.trips()) {
      const { counted, oldest } = this.book.inWindow(trip.key, now, windowMs);
      if (counted < max || oldest === null) {
        this.book.endTrip(trip.key);
        continue;
      }
      tripped.push({
        key: trip.key,
        trippedAt: trip.tripped_at,
        suppressed: trip.suppressed,
        reopensAt: oldest + windowMs,
      });
    }
    return tripped;
  }

  /** An operator's reset: ends the key's trip, and only events after now count for it. */
  reset(input: unknown): { cleared: boolean } {
    const { route, key, now = Date.now() } = ResetInput.parse(input);
    this.book.reset(key, now);
    const cleared = this.book.endTrip(key);
    log("budget", { outcome: "budget_reset", route, key, cleared });
    return { cleared };
  }
}
