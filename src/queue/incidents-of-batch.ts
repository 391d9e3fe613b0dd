/** Turns one consumer batch's attempts into alert incidents: dead letters, and failures per destination. */
import type { Incident } from "../alerts/incident";
import type { AttemptSummary } from "./run-event";

/** Failed attempts of one handler within the alert desk's window that make "deliveries are failing". */
export const FAILING_THRESHOLD = 5;

export function incidentsOfBatch(attempts: readonly AttemptSummary[]): Incident[] {
  const counts = new Map<string, { outcome: "failed" | "dead"; handler: string; count: number }>();
  for (const attempt of attempts) {
    if (attempt.outcome === "done") continue;
    const key = `${attempt.outcome}\n${attempt.handler}`;
    const entry = counts.get(key) ?? { outcome: attempt.outcome, handler: attempt.handler, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()].map(({ outcome, handler, count }) =>
    outcome === "dead"
      ? {
          kind: "dead_letter",
          key: handler,
          title: `events were dead-lettered for handler ${handler}`,
          count,
          path: "/admin/dead-letters",
        }
      : {
          kind: "delivery_failing",
          key: handler,
          title: `deliveries to handler ${handler} are failing`,
          count,
          threshold: FAILING_THRESHOLD,
          path: "/admin/events?status=retrying",
        },
  );
}
