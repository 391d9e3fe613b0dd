/**
 * Issue 16's figures ("Lean pipeline") as one table: each figure measured now, its value before the lean
 * pipeline (carried over from the previous results file's "old value" column), its
 * target, and whether it is met. `npm run bench` and bench/storage-report.ts print it and write it into
 * bench/results/latest.md.
 */
import {
  byteSecondsPerEvent,
  capacity,
  DEFAULT_DEPLOYMENT,
  type Deployment,
  dollarsPerMillion,
  perEventUnits,
  sizeFor,
  steadyRows,
} from "./cost-model.ts";
import type { CaseResult, ReferenceRun, StorageWork } from "./report.ts";

/** The heading of the section in bench/results/latest.md (also how the previous values are found). */
export const FIGURES_HEADING = "## Issue 16 figures (lean pipeline)";

/** The sustained rate the per-event amortisation assumes: issue 16's capacity target. */
export const TARGET_RATE = 1_000;

export interface FigureRow {
  figure: string;
  now: string;
  target: string;
  /** null: no target for this figure, or not measured in this run. */
  met: boolean | null;
  /** A figure new in this table takes its old value from this older figure (what it replaces). */
  oldFrom?: string;
}

const fmt = (value: number, digits = 3) => Number(value.toPrecision(digits)).toLocaleString("en-US");

/** A note when the machine was busy with other work during a load run (its figures are unreliable). */
const busy = (warnings: string[]) => (warnings.length > 0 ? " (machine busy: unreliable)" : "");

const callList = (calls: Record<string, number>, per: number) =>
  Object.entries(calls)
    .map(([method, n]) => `${method} ${fmt(n / per)}`)
    .join(", ");

/**
 * The delivering floor's own figure beside the gateway's: what any gateway that answers 202 once an event is
 * durable and then POSTs it to its agent reaches on this machine (bench/floor), whatever else it does.
 */
function floorBeside(floor: ReferenceRun | undefined, figure: "throughput" | "cpu"): string {
  if (!floor) return "";
  const value = figure === "throughput" ? floor.throughputRatio : floor.netCpuMsPerAcceptedEvent;
  if (value === null) return "";
  const unreachable = figure === "throughput" ? value < 0.5 : value > 2;
  return `; the delivering floor itself: ${value}${figure === "throughput" ? "×" : " ms"}${unreachable ? " (so no design reaches the target on this machine)" : ""}`;
}

/** The figures from the storage count and, when the load sweep ran, its 2 KB concurrency-32 case. */
export function leanFigures(
  work: StorageWork,
  c32: CaseResult | null,
  references: ReferenceRun[] = [],
  deployment: Deployment = DEFAULT_DEPLOYMENT,
) {
  const cpu = c32?.netCpuMsPerAcceptedEvent ?? null;
  const units = perEventUnits(work, deployment, TARGET_RATE, cpu);
  const lone = perEventUnits(work, deployment, TARGET_RATE, cpu, work.lone);
  const costs = dollarsPerMillion(units, deployment);
  const signedId = work.signedIdBatch
    ? perEventUnits(work, deployment, TARGET_RATE, cpu, work.signedIdBatch)
    : null;
  const bytes = work.bytesPerRetainedEvent;
  const cap = capacity(units, deployment, bytes.directMicrosecondsPerEvent);
  const size = sizeFor(TARGET_RATE, units, deployment);
  const wholeLife = units.rowsWritten + units.deferredRowsWritten;
  const once = steadyRows(work.batch).oncePerPeriod;
  const notRun = "not run (storage only)";
  const floor = references.find((r) => r.kind === "delivering floor");
  const batch = work.batch.events;
  const rows: FigureRow[] = [
    {
      figure: "rows written per event",
      now: `${fmt(units.rowsWritten)} (batch of ${batch} accepted together: the headline; D1 0)`,
      target: "≤ 5",
      met: units.rowsWritten <= 5,
    },
    {
      figure: "rows written per event, lone event",
      now: `${lone.rowsWritten.toFixed(3)} (one event alone: nothing to share; the alarm's rows at 1,000/s above 5)`,
      target: "≤ 5",
      met: lone.rowsWritten <= 5,
      oldFrom: "rows written per event",
    },
    {
      figure: "rows written per event, whole life",
      now: `${fmt(wholeLife)} (${fmt(units.rowsWritten)} batched + ${fmt(units.deferredRowsWritten)} later: request purge, expiry, lease batch delete)`,
      target: "≤ 5",
      met: wholeLife <= 5,
      oldFrom: "rows written per event",
    },
    { figure: "ledger rows read per event", now: fmt(units.rowsRead), target: "—", met: null },
    {
      figure: "bytes kept per event after delivery",
      now: `${bytes.afterDelivery} in the ledger (its request is in R2: ${bytes.r2BytesDuringWindow} B per event for REPLAY_RETENTION_HOURS)`,
      target: "— (≤ 300 after the replay window)",
      met: null,
    },
    {
      figure: "bytes kept per event after the replay window (body deleted, claim kept)",
      now: `${bytes.afterReplayWindow} (the purge deleted the segments: ${bytes.r2BytesAfterPurge} B left in R2)`,
      target: "≤ 300",
      met: bytes.afterReplayWindow <= 300,
      oldFrom: "bytes kept per event after delivery",
    },
    {
      figure: "bytes per claim stored without a request (row layout floor)",
      now: String(bytes.claimWithoutRequest),
      target: "≤ 300",
      met: bytes.claimWithoutRequest <= 300,
    },
    {
      figure: "Durable Object requests per event",
      now: `${fmt(units.durableObjectRequests)} (batch: ${callList(work.batch.durableObjectCalls, batch)}; alarms ${fmt(deployment.shards / deployment.alarmSeconds / TARGET_RATE)} at ${TARGET_RATE.toLocaleString("en-US")}/s)`,
      target: "—",
      met: null,
    },
    {
      figure: "queue operations per event",
      now: `${fmt(units.queueOperations)} (${fmt(units.queueMessages)} message of ${work.batch.queue.messageBytes[0] ?? "?"} B; ${work.batch.queue.sendBatches} sendBatch for ${batch})`,
      target: "—",
      met: null,
    },
    { figure: "Worker requests per event", now: fmt(units.workerRequests), target: "—", met: null },
    {
      figure: "R2 operations per event (stored requests)",
      now: `Class A ${fmt(units.r2ClassA)} (${work.batch.r2.put} segment puts for ${batch}), Class B ${fmt(units.r2ClassB)}`,
      target: "—",
      met: null,
    },
    {
      figure: "$ per million events",
      now: `${(costs.total ?? 0).toFixed(2)} (whole life${c32 ? "" : "; CPU not included"})`,
      target: "≤ 5",
      met: (costs.total ?? 0) <= 5,
    },
    ...(signedId
      ? [
          {
            figure: "rows written per event, Stripe (a preset that signs its id), batched",
            now: `${fmt(signedId.rowsWritten)} (whole life ${fmt(signedId.rowsWritten + signedId.deferredRowsWritten)})`,
            target: "≤ 5",
            met: signedId.rowsWritten <= 5,
          },
          {
            figure: "$ per million events, Stripe (a preset that signs its id)",
            now: `${(dollarsPerMillion(signedId, deployment).total ?? 0).toFixed(2)} (whole life${c32 ? "" : "; CPU not included"})`,
            target: "≤ 5",
            met: (dollarsPerMillion(signedId, deployment).total ?? 0) <= 5,
          },
        ]
      : []),
    {
      figure: "sustained events/s, default deployment",
      now: `${fmt(cap.eventsPerSecond)} (set by ${cap.setBy})`,
      target: "≥ 1,000",
      met: cap.eventsPerSecond >= 1_000,
    },
    {
      figure: "shards for 1,000 events/s",
      now: `${size.shards} (storage ${size.byStorage}, requests ${size.byRequests}); queues ${size.queues}`,
      target: `≤ ${deployment.shards} (the default)`,
      met: size.shards <= deployment.shards,
    },
    {
      figure: "throughput ÷ bare Worker at c=32",
      now:
        c32?.throughputRatio != null
          ? `${c32.throughputRatio}× (${c32.gateway.requestsPerSecond} vs ${c32.baseline.requestsPerSecond} req/s)${busy(c32.warnings)}${floorBeside(floor, "throughput")}`
          : notRun,
      target: "≥ 0.5×",
      met: c32?.throughputRatio != null ? c32.throughputRatio >= 0.5 : null,
    },
    {
      figure: "net CPU ms per event at c=32",
      now:
        c32?.netCpuMsPerAcceptedEvent != null
          ? `${c32.netCpuMsPerAcceptedEvent}${busy(c32.warnings)}${floorBeside(floor, "cpu")}`
          : notRun,
      target: "≤ 2",
      met: c32?.netCpuMsPerAcceptedEvent != null ? c32.netCpuMsPerAcceptedEvent <= 2 : null,
    },
    {
      figure: "delivery keeps pace at c=32 (backlog middle → end)",
      now: c32
        ? `${c32.gateway.delivery.backlog.q50} → ${c32.gateway.delivery.backlog.end}${c32.gateway.delivery.backlogGrowing ? " (growing)" : ""}`
        : notRun,
      target: "no growing backlog",
      met: c32 ? !c32.gateway.delivery.backlogGrowing : null,
    },
    {
      figure: "end-to-end p99 ms at c=32",
      now:
        c32?.gateway.delivery.endToEndMs.p99 != null ? String(c32.gateway.delivery.endToEndMs.p99) : notRun,
      target: "< 1,000",
      met: c32?.gateway.delivery.endToEndMs.p99 != null ? c32.gateway.delivery.endToEndMs.p99 < 1_000 : null,
    },
    ...references.map(
      (r): FigureRow => ({
        figure: `${r.kind} ÷ its bare Worker at c=32 (net CPU ms)`,
        now: `${r.throughputRatio ?? "?"}× (${r.netCpuMsPerAcceptedEvent ?? "?"})${busy(r.warnings)}`,
        target: "—",
        met: null,
      }),
    ),
  ];
  return {
    rows,
    costs,
    bounds: cap.bounds,
    units,
    once,
    byteSeconds: byteSecondsPerEvent(units, deployment),
    sizes: [10_000, 100_000, 1_000_000].map((rate) => ({ rate, ...sizeFor(rate, units, deployment) })),
  };
}

export type LeanFigures = ReturnType<typeof leanFigures>;

/**
 * Each figure's value before the lean pipeline, from a previous results file's figures table: its "old
 * value" column (so re-running keeps the pre-change figure; a figure that had none has none).
 */
export function previousFigures(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const start = markdown.indexOf(FIGURES_HEADING);
  if (start < 0) return out;
  const end = markdown.indexOf("\n## ", start + FIGURES_HEADING.length);
  for (const line of markdown.slice(start, end < 0 ? undefined : end).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    // | figure | measured now | old value | target | met |
    if (cells.length < 6 || !cells[1] || !cells[2] || cells[1] === "figure" || cells[1].startsWith("---"))
      continue;
    const old = cells[3];
    if (old && old !== "—" && !old.startsWith("not run")) out.set(cells[1], old);
  }
  return out;
}

const verdict = (met: boolean | null) => (met === null ? "—" : met ? "met" : "**not met**");

const oldOf = (row: FigureRow, previous: Map<string, string>) =>
  previous.get(row.figure) ?? (row.oldFrom ? previous.get(row.oldFrom) : undefined) ?? "—";

/** The section for bench/results/latest.md. */
export function figuresSection(figures: LeanFigures, previous: Map<string, string>, intro: string): string[] {
  const lines = [
    FIGURES_HEADING,
    "",
    intro,
    "",
    "| figure | measured now | old value | target | met |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const r of figures.rows)
    lines.push(`| ${r.figure} | ${r.now} | ${oldOf(r, previous)} | ${r.target} | ${verdict(r.met)} |`);
  const d = DEFAULT_DEPLOYMENT;
  lines.push(
    "",
    `Dollars per million events by item (bench/cost-model.ts, list prices read 2026-11-30, at ${TARGET_RATE.toLocaleString("en-US")} events/s): ${Object.entries(
      figures.costs,
    )
      .map(([item, dollars]) => `${item} ${dollars.toFixed(item === "total" ? 2 : 3)}`)
      .join(" · ")}.`,
    "",
    `Sustained events/s of the default deployment (${d.shards} shards, ${d.queues} queues, ${d.retentionDays}-day retention, ${d.replayHours}-hour replay window; one event occupies ${fmt(figures.byteSeconds / 1e9)} GB·s of shard storage), by bound: ${Object.entries(
      figures.bounds,
    )
      .map(([bound, rate]) => `${bound} ${fmt(rate)}`)
      .join(" · ")}. What larger rates need (same arithmetic): ${figures.sizes
      .map(
        (s) =>
          `${s.rate.toLocaleString("en-US")}/s: ${s.shards.toLocaleString("en-US")} shards (storage ${s.byStorage.toLocaleString("en-US")}, requests ${s.byRequests.toLocaleString("en-US")} at ${fmt(s.ledgerRequestsPerEvent)} per event), ${s.queues} queues, ${fmt(s.gateRequestsPerSecond)} gate requests/s per route`,
      )
      .join(
        " · ",
      )}. Rows written once per shard and period (a retention period's signed-content table; a day's claims table, its two indexes and the view over the claims tables), left out of the per-event figures: ${figures.once} in the batched run.`,
    "",
  );
  return lines;
}

/** The table for the console. */
export function printFigures(figures: LeanFigures, previous: Map<string, string>): void {
  const rows = figures.rows.map((r) => [r.figure, r.now, oldOf(r, previous), r.target, verdict(r.met)]);
  const header = ["figure", "measured now", "old value", "target", "met"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`;
  console.log(line(header));
  for (const r of rows) console.log(line(r.map((c) => c.replaceAll("**", ""))));
}
