/**
 * Issue 16's figures ("Lean pipeline") as one table: each figure measured now, its value in the previous
 * results file, its target, and whether it is met. `npm run bench` and bench/storage-report.ts print it
 * and write it into bench/results/latest.md.
 */
import {
  capacity,
  DEFAULT_DEPLOYMENT,
  type Deployment,
  dollarsPerMillion,
  perEventUnits,
} from "./cost-model.ts";
import type { CaseResult, StorageWork } from "./report.ts";

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
}

const fmt = (value: number, digits = 3) => Number(value.toPrecision(digits)).toLocaleString("en-US");

/** The figures from the storage count and, when the load sweep ran, its 2 KB concurrency-32 case. */
export function leanFigures(
  work: StorageWork,
  c32: CaseResult | null,
  deployment: Deployment = DEFAULT_DEPLOYMENT,
): { rows: FigureRow[]; costs: Record<string, number>; bounds: Record<string, number> } {
  const units = perEventUnits(work, deployment, TARGET_RATE, c32?.netCpuMsPerAcceptedEvent ?? null);
  const costs = dollarsPerMillion(units, deployment);
  const cap = capacity(units, deployment);
  const rowsWritten = units.ledgerRowsWritten + units.eventLogRowsWritten;
  const bytes = units.ledgerBytes + units.eventLogBytes;
  const calls = work.perEvent.durableObjectCalls ?? {};
  const loneCalls = Object.entries(calls)
    .map(([method, n]) => `${method} ${n}`)
    .join(", ");
  const notRun = "not run (storage only)";
  const rows: FigureRow[] = [
    {
      figure: "rows written per event",
      now: `${rowsWritten} (ledger ${units.ledgerRowsWritten} + D1 ${units.eventLogRowsWritten})`,
      target: "≤ 5",
      met: rowsWritten <= 5,
    },
    { figure: "ledger rows read per event", now: fmt(units.ledgerRowsRead), target: "—", met: null },
    {
      figure: "bytes kept per event after delivery",
      now: `${bytes} (ledger ${units.ledgerBytes} + D1 ${units.eventLogBytes})`,
      target: "≤ 300",
      met: bytes <= 300,
    },
    {
      figure: "bytes kept per event after the replay window (body deleted, claim kept)",
      now:
        work.bytesPerRetainedEvent?.ledgerAfterReplayWindow === undefined
          ? "not measured"
          : `${work.bytesPerRetainedEvent?.ledgerAfterReplayWindow + units.eventLogBytes} (ledger ${work.bytesPerRetainedEvent?.ledgerAfterReplayWindow} + D1 ${units.eventLogBytes})`,
      target: "≤ 300",
      met:
        work.bytesPerRetainedEvent?.ledgerAfterReplayWindow === undefined
          ? null
          : work.bytesPerRetainedEvent?.ledgerAfterReplayWindow + units.eventLogBytes <= 300,
    },
    {
      figure: "Durable Object requests per event",
      now: `${fmt(units.durableObjectRequests)} (lone event: ${loneCalls}, + 1 alarm run)`,
      target: "—",
      met: null,
    },
    {
      figure: "queue operations per event",
      now: `${units.queueOperations} (${units.queueMessages} message of ${work.perEvent.queue?.messageBytes[0] ?? "?"} B)`,
      target: "—",
      met: null,
    },
    { figure: "Worker requests per event", now: fmt(units.workerRequests), target: "—", met: null },
    {
      figure: "$ per million events",
      now: `${(costs.total ?? 0).toFixed(2)}${c32 ? "" : " (CPU not included)"}`,
      target: "≤ 5",
      met: (costs.total ?? 0) <= 5,
    },
    {
      figure: "sustained events/s, default deployment",
      now: `${fmt(cap.eventsPerSecond)} (set by ${cap.setBy})`,
      target: "≥ 1,000",
      met: cap.eventsPerSecond >= 1_000,
    },
    {
      figure: "throughput ÷ bare Worker at c=32",
      now: c32?.throughputRatio != null ? `${c32.throughputRatio}×` : notRun,
      target: "≥ 0.5×",
      met: c32?.throughputRatio != null ? c32.throughputRatio >= 0.5 : null,
    },
    {
      figure: "net CPU ms per event at c=32",
      now: c32?.netCpuMsPerAcceptedEvent != null ? String(c32.netCpuMsPerAcceptedEvent) : notRun,
      target: "≤ 2",
      met: c32?.netCpuMsPerAcceptedEvent != null ? c32.netCpuMsPerAcceptedEvent <= 2 : null,
    },
  ];
  return { rows, costs, bounds: cap.bounds };
}

/** "measured now" of each figure in a previous results file's figures table (empty when it has none). */
export function previousFigures(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const start = markdown.indexOf(FIGURES_HEADING);
  if (start < 0) return out;
  const end = markdown.indexOf("\n## ", start + FIGURES_HEADING.length);
  for (const line of markdown.slice(start, end < 0 ? undefined : end).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    // | figure | measured now | old value | target | met |
    if (cells.length >= 6 && cells[1] && cells[2] && cells[1] !== "figure" && !cells[1].startsWith("---"))
      out.set(cells[1], cells[2]);
  }
  return out;
}

const verdict = (met: boolean | null) => (met === null ? "—" : met ? "met" : "**not met**");

/** The section for bench/results/latest.md. */
export function figuresSection(
  figures: ReturnType<typeof leanFigures>,
  previous: Map<string, string>,
  intro: string,
): string[] {
  const lines = [
    FIGURES_HEADING,
    "",
    intro,
    "",
    "| figure | measured now | old value | target | met |",
    "| --- | --- | --- | --- | --- |",
  ];
  for (const r of figures.rows)
    lines.push(
      `| ${r.figure} | ${r.now} | ${previous.get(r.figure) ?? "—"} | ${r.target} | ${verdict(r.met)} |`,
    );
  lines.push(
    "",
    `Dollars per million events by item (bench/cost-model.ts, list prices read 2026-11-30): ${Object.entries(
      figures.costs,
    )
      .map(([item, dollars]) => `${item} ${dollars.toFixed(item === "total" ? 2 : 3)}`)
      .join(" · ")}.`,
    "",
    `Sustained events/s of the default deployment (${DEFAULT_DEPLOYMENT.shards} shards, ${DEFAULT_DEPLOYMENT.retentionDays}-day retention, one queue), by bound: ${Object.entries(
      figures.bounds,
    )
      .map(([bound, rate]) => `${bound} ${fmt(rate)}`)
      .join(" · ")}.`,
    "",
  );
  return lines;
}

/** The table for the console. */
export function printFigures(figures: ReturnType<typeof leanFigures>, previous: Map<string, string>): void {
  const rows = figures.rows.map((r) => [
    r.figure,
    r.now,
    previous.get(r.figure) ?? "—",
    r.target,
    verdict(r.met),
  ]);
  const header = ["figure", "measured now", "old value", "target", "met"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`;
  console.log(line(header));
  for (const r of rows) console.log(line(r.map((c) => c.replaceAll("**", ""))));
}
