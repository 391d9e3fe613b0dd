/** What the pipeline tells the alert desk: one kind of trouble, grouped under a key (a handler, a route). */
import { z } from "zod";

export const IncidentKind = z.enum([
  "dead_letter",
  "delivery_failing",
  "circuit_open",
  "lane_blocked",
  "budget_tripped",
]);
export type IncidentKind = z.infer<typeof IncidentKind>;

/**
 * One report. Reports with the same `kind` and `key` are one incident: the desk adds up their `count`
 * and sends one message per incident, not one per event.
 */
export const Incident = z.object({
  kind: IncidentKind,
  /** What the incident is about, such as the handler or route name. */
  key: z.string().min(1).max(200),
  /** One human sentence, without the count: "events were dead-lettered for handler forward". */
  title: z.string().min(1).max(300),
  /** How many events this report stands for. */
  count: z.number().int().min(1).max(1_000_000),
  /** Reports below this pending count are held (for "failures cross a threshold"). */
  threshold: z.number().int().min(1).max(1_000_000).default(1),
  /** The dashboard path that shows it, such as `/admin/dead-letters`. */
  path: z.string().startsWith("/").max(500),
});
export type Incident = z.input<typeof Incident>;

/** The body an alert receiver gets (Slack gets `{ text }` instead). */
export interface AlertMessage {
  type: "hookgate.alert";
  kind: IncidentKind;
  key: string;
  title: string;
  /** Events since the previous message for this incident. */
  count: number;
  /** Events since the incident was first reported. */
  total: number;
  first_at: string;
  last_at: string;
  /** The dashboard page: absolute when PUBLIC_BASE_URL is set, else a path. */
  link: string;
}
