/**
 * The consumer side of ordered lanes. Before a leased delivery of an ordered route runs, its lane is asked
 * whether the event is the head (`admitToLanes`): only then does it run, with `lane` in its envelope. A
 * waiting event's lease is released (no attempt spent) and its message acked: the lane sends it again when
 * its turn comes. After the ledger has recorded the outcomes, each lane is told how its head ended
 * (`reportToLanes`), which lets the next one go. Replays are not ordered: they run at once.
 */
import { parseDeliveryKey } from "../claim/event-message";
import type { HandlerDecision, SettleInput } from "../claim/ledger-rpc";
import type { WebhookEnvelope } from "../handlers/envelope";
import { routeTableFor } from "../handlers/route-table";
import { describeError, log, logError } from "../shared/log";
import type { LaneCall, LaneReport } from "./lane-schemas";
import { isOrdered, laneCallFor, laneKeeperFor } from "./lane-ticket";

type RunLease = Extract<HandlerDecision, { decision: "run" }>;

/** A lane that could not be asked is asked again this much later (the lease is released meanwhile). */
const LANE_UNAVAILABLE_RETRY_SECONDS = 5;

/** What may run now, and what is held back by its lane. */
export interface LaneGate {
  /** The leases to run, each with its envelope (with `lane` for an ordered delivery) and its lane call. */
  run: { lease: RunLease; envelope: WebhookEnvelope; call: LaneCall | null }[];
  /** Settlements of the leases not run: `released` (waiting) or `superseded`. */
  held: SettleInput;
  /** Reports owed to lanes for superseded deliveries, sent once `held` is recorded. */
  reports: LaneReport[];
  /** Set when a lane could not be asked: retry the message then. */
  retryInSeconds: number | null;
}

/** Asks each ordered route's lane whether this event may be delivered now (one call per ordered lease). */
export async function admitToLanes(
  env: Env,
  envelope: WebhookEnvelope,
  leases: RunLease[],
  shard: number,
): Promise<LaneGate> {
  const gate: LaneGate = { run: [], held: [], reports: [], retryInSeconds: null };
  const table = routeTableFor(env);
  const { source, id, type } = envelope;
  await Promise.all(
    leases.map(async (lease) => {
      const { handler: name, replay } = parseDeliveryKey(lease.handler);
      const route = table.routes.get(name);
      const call =
        replay === undefined && isOrdered(route)
          ? laneCallFor(route, envelope, { source, id, type, shard })
          : null;
      if (call === null) {
        gate.run.push({ lease, envelope, call: null });
        return;
      }
      const settled = { source, id, handler: lease.handler, attempt: lease.attempt };
      try {
        const admission = await laneKeeperFor(env, call.route, call.key).admit(call);
        if (admission.verdict === "go") {
          const skipped = admission.skipped.length > 0 ? { skipped: admission.skipped } : {};
          const lane = { key: call.key, seq: admission.seq, ...skipped };
          gate.run.push({ lease, envelope: { ...envelope, lane }, call });
        } else if (admission.verdict === "superseded") {
          log("deliver", { source, id, handler: name, outcome: "superseded", lane: call.key });
          gate.held.push({ ...settled, outcome: "superseded" });
          gate.reports.push({ ...call, outcome: "superseded", error: null });
        } else gate.held.push({ ...settled, outcome: "deferred" });
      } catch (error) {
        logError("deliver", {
          source,
          id,
          handler: name,
          outcome: "lane_unavailable",
          error: describeError(error),
        });
        gate.held.push({ ...settled, outcome: "deferred" });
        gate.retryInSeconds = LANE_UNAVAILABLE_RETRY_SECONDS;
      }
    }),
  );
  return gate;
}

/** The reports owed to lanes for the deliveries that ran, from their settlements. */
export function laneReportsOf(gate: LaneGate, settlements: SettleInput): LaneReport[] {
  const reports = [...gate.reports];
  gate.run.forEach(({ call }, index) => {
    const settled = settlements[index];
    if (call === null || !settled) return;
    if (settled.outcome === "done") reports.push({ ...call, outcome: "done", error: null });
    else if (settled.outcome === "failed" || settled.outcome === "dead")
      reports.push({ ...call, outcome: settled.outcome, error: settled.error });
  });
  return reports;
}

/**
 * Tells each lane how its deliveries ended, once the ledger has recorded them. A failed report is logged
 * only: the lane finds the outcome in the ledger when its head has had no news for a minute.
 */
export async function reportToLanes(env: Env, reports: LaneReport[]): Promise<void> {
  await Promise.all(
    reports.map(async (report) => {
      try {
        await laneKeeperFor(env, report.route, report.key).report(report);
      } catch (error) {
        logError("deliver", {
          outcome: "lane_report_failed",
          route: report.route,
          id: report.event.id,
          error: describeError(error),
        });
      }
    }),
  );
}
