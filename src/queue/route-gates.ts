/**
 * The consumer's side of back-pressure (docs/back-pressure.md): before a batch's deliveries start, each
 * route's gate (RouteGate, one per route across the deployment) says how many may start now; after they ran,
 * the gate hears of failures (and of the first success while it counts failures), so that it can pause the
 * route on a Retry-After or open its circuit. One gate call per route per batch on the happy path.
 */
import { handlerOfKey } from "../claim/event-message";
import type { BeginResult } from "../claim/ledger-rpc";
import { describeError, logError } from "../shared/log";

/** Why a delivery may not start now, and when to ask again. */
export type Refusal = { reason: "paused" | "rate" | "retry_after" | "circuit"; retryInMs: number };

/** The gates' answers for one batch: refused deliveries by `deliveryRef`, and routes whose gate counts failures. */
export interface Admissions {
  refused: Map<string, Refusal>;
  failing: Set<string>;
}

/** What the gates hear of one attempt. */
export interface GateReport {
  handler: string;
  ok: boolean;
  status?: number | null;
  retryAfterSeconds?: number | null;
  error?: string | null;
}

/** The key of one delivery of one event within a batch. */
export const deliveryRef = (source: string, id: string, key: string) => `${source}\n${id}\n${key}`;

/**
 * Asks every route with runnable deliveries in the batch how many may start, in the batch's order. A gate
 * that cannot be reached does not stop delivery: its deliveries start, and the failure is logged.
 */
export async function admitDeliveries(
  env: Env,
  begun: BeginResult[],
  routes: { ratePerSecondOf: (route: string) => number | null; gateOf: (route: string) => string },
): Promise<Admissions> {
  const byRoute = new Map<string, string[]>();
  for (const result of begun) {
    if (!result.found) continue;
    for (const lease of result.handlers) {
      if (lease.decision !== "run") continue;
      const route = handlerOfKey(lease.handler);
      byRoute.set(route, [
        ...(byRoute.get(route) ?? []),
        deliveryRef(result.source, result.id, lease.handler),
      ]);
    }
  }
  const admissions: Admissions = { refused: new Map(), failing: new Set() };
  await Promise.all(
    [...byRoute].map(async ([route, refs]) => {
      try {
        const gate = env.ROUTE_GATE.getByName(routes.gateOf(route));
        const answer = await gate.admitMany({ n: refs.length, ratePerSecond: routes.ratePerSecondOf(route) });
        if (answer.failing || answer.probe) admissions.failing.add(route);
        for (const ref of refs.slice(answer.granted))
          admissions.refused.set(ref, {
            reason: answer.reason ?? "rate",
            retryInMs: answer.retryInMs ?? 1000,
          });
      } catch (error) {
        logError("gate", { outcome: "unreachable", route, error: describeError(error) });
      }
    }),
  );
  return admissions;
}

/**
 * Tells each route's gate how the batch went for it, in order, one route's calls after another's. A batch
 * that had any success for a route shows the destination is up: the gate hears the failures that asked it
 * to wait (a 429 or 503 with Retry-After) and then that success, so failures of concurrent deliveries are
 * never counted as failures in a row. A batch with only failures reports each; one without failures
 * reports a success only while the gate counts failures (`failing`, from `admitMany`).
 */
export async function reportToGates(
  env: Env,
  reports: GateReport[],
  failing: Set<string>,
  failuresToOpen: number,
  gateOf: (route: string) => string,
): Promise<void> {
  const byRoute = new Map<string, GateReport[]>();
  for (const report of reports) {
    const route = handlerOfKey(report.handler);
    byRoute.set(route, [...(byRoute.get(route) ?? []), report]);
  }
  await Promise.all(
    [...byRoute].map(async ([route, runs]) => {
      const failures = runs.filter((run) => !run.ok);
      const success = runs.find((run) => run.ok);
      const calls = success
        ? failures.length > 0 || failing.has(route)
          ? [...failures.filter((run) => run.retryAfterSeconds), success]
          : []
        : failures;
      try {
        const gate = env.ROUTE_GATE.getByName(gateOf(route));
        for (const report of calls)
          await gate.report({
            outcome: report.ok ? "ok" : "failed",
            status: report.status ?? null,
            retryAfterSeconds: report.retryAfterSeconds ?? null,
            error: report.error ?? undefined,
            failuresToOpen,
          });
      } catch (error) {
        logError("gate", { outcome: "unreachable", route, error: describeError(error) });
      }
    }),
  );
}
