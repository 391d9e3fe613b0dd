/**
 * Where loop breakers act: the consumer asks, once it has built an event's envelope, whether one of the
 * source's suppress rules matches it, before any handler runs. Replays never ask (an operator's replay
 * runs the handlers regardless of suppression).
 */
import type { SuppressRule } from "../config/suppression-presets";
import { type FilterSubject, matchesFilter } from "../routes/match-filter";

/** The name of the first of `rules` that matches the event, or null when none does (or there are none). */
export function suppressingRule(rules: readonly SuppressRule[], event: FilterSubject): string | null {
  return rules.find((rule) => matchesFilter(rule.filter, event))?.name ?? null;
}
