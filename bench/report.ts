/**
 * Writes a benchmark run and judges the targets from the issue against the measurements: the summary a
 * person reads goes to bench/results/latest.md (the one committed result, replaced by every unlabelled
 * run); the raw JSON, the chart (throughput and p99 against concurrency) and labelled runs go to the
 * git-ignored bench/results/tmp/.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import type { ProfileSummary } from "./cpu-profile.ts";
import type { PayloadSize } from "./github-payloads.ts";
import { figuresSection, leanFigures, previousFigures } from "./lean-figures.ts";
import type { RejectionKind } from "./rejected-requests.ts";
import type { Percentiles } from "./stats.ts";

interface LoadFigures {
  requests: number;
  accepted: number;
  duplicates: number;
  seconds: number | null;
  acceptedPerSecond: number | null;
  requestsPerSecond: number | null;
  latencyMs: Percentiles;
  errors: number;
  timeouts: number;
  statuses: Record<string, number>;
  stoppedEarly: boolean;
  cpuMsPerRequest: number | null;
  cpuMsByProcess: Record<string, number | null>;
  peakRssMB: number | null;
}

export interface CaseResult {
  name: string;
  size: PayloadSize;
  concurrency: number;
  requests: number;
  duplicateShare: number;
  /** Requests per second of an open-loop case (left out of the concurrency chart). */
  rate?: number;
  distinctEvents: number;
  gateway: LoadFigures & {
    cpuMsPerAcceptedEvent: number | null;
    cpuMsDuringLoadPerRequest: number | null;
    delivery: {
      delivered: number;
      endToEndMs: Percentiles;
      deliveredPerSecond: number | null;
      backlog: { q25: number; q50: number; q75: number; end: number };
      backlogGrowing: boolean;
      drainMs: number | null;
      drainTimedOut: boolean;
      correctness: {
        missing: number;
        duplicated: number;
        acceptedTwice: number;
        inconsistentWebhookId: number;
        badSignatures: number;
        examples: string[];
      };
    };
    runtimeWork: {
      logLinesPerEvent: number | null;
      logLinesByStage: Record<string, number>;
      outboxSendBatchCalls: number;
      messagesPerSendBatch: number | null;
      consumerBatches: number;
      messagesPerConsumerBatch: number | null;
      consumerBatchMs: Percentiles;
      errorLines: number;
    };
  };
  baseline: LoadFigures;
  netCpuMsPerAcceptedEvent: number | null;
  throughputRatio: number | null;
  p99Ratio: number | null;
  /** Cores in use during each run: our runtimes, the harness (sink + load generator), anything else. */
  machine: Record<"gatewayRun" | "baselineRun", MachineLoad>;
  correct: boolean;
  problems: string[];
  /** E.g. the machine was busy with other work during a run. */
  warnings: string[];
}

/**
 * A load of requests the gateway must refuse (401 or 429), with the CPU they cost next to an accepted event's.
 * CPU is counted as in CaseResult: gateway from the start of the load until it settled, baseline during
 * the load, each per request.
 */
export interface RejectionResult {
  name: string;
  reject: RejectionKind;
  concurrency: number;
  requests: number;
  /** Distinct `CF-Connecting-IP` addresses the requests came from. */
  clients: number;
  gateway: {
    requestsPerSecond: number | null;
    latencyMs: Percentiles;
    statuses: Record<string, number>;
    cpuMsPerRequest: number | null;
    cpuMsByProcess: Record<string, number | null>;
    /** The gateway's own JSON log lines per request (one per rejection at LOG_LEVEL=info). */
    consoleLinesPerRequest: number | null;
  };
  baseline: {
    requestsPerSecond: number | null;
    latencyMs: Percentiles;
    cpuMsPerRequest: number | null;
    cpuMsByProcess: Record<string, number | null>;
  };
  netCpuMsPerRequest: number | null;
  /** The accepted 2 KB case of the same run it is compared with (2kb-c32 when it ran). */
  accepted: { name: string; netCpuMsPerEvent: number | null } | null;
  /** Net CPU per rejected request ÷ net CPU per accepted event. */
  ratioToAccepted: number | null;
  machine: Record<"gatewayRun" | "baselineRun", MachineLoad>;
  correct: boolean;
  problems: string[];
  warnings: string[];
}

/**
 * The 2 KB concurrency-32 load against the gateway without its consumer ("ingest only") or the durable floor
 * (bench/floor); ratios against a baseline run taken just before.
 */
export interface ReferenceRun {
  kind: "ingest only" | "durable floor" | "delivering floor";
  requestsPerSecond: number | null;
  baselineRequestsPerSecond: number | null;
  baselineCpuMsPerRequest: number | null;
  latencyMs: Percentiles;
  errors: number;
  cpuMsPerAcceptedEvent: number | null;
  cpuMsByProcess: Record<string, number | null>;
  netCpuMsPerAcceptedEvent: number | null;
  throughputRatio: number | null;
  p99Ratio: number | null;
  /** The full gateway's throughput ratio at 2 KB concurrency 32 ÷ this run's (each against its own baseline). */
  gatewayRatioOverThis: number | null;
  peakRssMB: number | null;
  warnings: string[];
}

export interface MachineLoad {
  seconds: number;
  runtimesCores: number;
  harnessCores: number;
  otherCores: number;
}

/** What one console.log line costs on the local runtime, measured on the baseline. */
export interface LogLineCost {
  linesPerRequest: number;
  baselineCpuMsPerRequest: number | null;
  withLogsCpuMsPerRequest: number | null;
  cpuMsPerLine: number | null;
  byProcess: Record<string, number | null>;
}

export interface ProfiledRun {
  name: string;
  accepted: number;
  acceptedPerSecond: number | null;
  correct: boolean;
}

type StatementRows = Record<string, { calls: number; rowsRead: number; rowsWritten: number }>;
type Rows = { read: number; written: number; byStatement: StatementRows };

/** One run of bench/storage-work.perf.ts's pipeline: `events` accepted at once, delivered, settled. */
export interface PipelineRun {
  events: number;
  /** Every Durable Object statement of the run (ledger shards and the route gate), totals not per event. */
  ledger: Rows;
  /** Billed Durable Object calls by method (`gate.` for the route gate). */
  durableObjectCalls: Record<string, number>;
  /** The alarms the run planned, run once each afterwards. */
  alarmRuns: { runs: number } & Rows;
  queue: { messages: number; sendBatches: number; messageBytes: number[] };
  /** Operations on the stored-request bucket (R2) and the bytes put. */
  r2: R2Work;
}

/** R2 operations counted on the stored-request bucket. */
export type R2Work = {
  put: number;
  get: number;
  head: number;
  list: number;
  delete: number;
  bytesPut: number;
};

/** What bench/storage-work.perf.ts prints (see there). */
export interface StorageWork {
  lone: PipelineRun;
  batch: PipelineRun;
  /** The batch again with Stripe events, whose signature covers the id (no signed-content claim). */
  signedIdBatch?: PipelineRun;
  /** Rows written after delivery, for the lone and the batched events together (`events` of them). */
  deferred: {
    events: number;
    read: number;
    written: number;
    r2: R2Work;
    byPhase: Record<string, { read: number; written: number }>;
  };
  /** Database growth per delivered 2 KB event (pages, index entries and slack included). */
  bytesPerRetainedEvent: {
    afterDelivery: number;
    /** Stored requests in R2 per event during the replay window, and what R2 still held after the purge. */
    r2BytesDuringWindow: number;
    r2BytesAfterPurge: number;
    afterReplayWindow: number;
    shrunkByFirstPurge: number;
    /** The same claims stored with an empty request: the floor of the claim row layout. */
    claimWithoutRequest: number;
    columns: Record<string, number>;
    directMicrosecondsPerEvent: number;
    bodyBytes: number;
  };
  alarm: {
    retained: number;
    wallMs: number;
    alarmRowsRead: number;
    alarmRowsWritten: number;
    byStatement: StatementRows;
    anyEventsRowsRead: {
      countStar: number;
      exists: number;
      retryingAsWritten?: number;
      retryingThroughIndex?: number;
    };
  }[];
}

export function isStorageWork(value: unknown): value is StorageWork {
  const v = value as Partial<StorageWork> | null;
  return (
    typeof v?.batch?.ledger?.written === "number" &&
    typeof v.lone?.ledger?.written === "number" &&
    typeof v.bytesPerRetainedEvent?.afterDelivery === "number" &&
    Array.isArray(v.alarm)
  );
}

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

export interface BenchReport {
  date: string;
  machine: Record<string, string | number>;
  settings: {
    vars: Record<string, string>;
    maxBatchTimeoutSeconds: number;
    claimShards: number;
    /** CPU per second of wall time while idle, after the warm-up. */
    idleCpuMsPerSecond: Record<
      "gateway" | "baseline",
      { totalMs: number | null; byProcess: Record<string, number | null> }
    >;
    /** The queue consumer was left out: ingest alone was measured, nothing was delivered. */
    ingestOnly: boolean;
  };
  cases: CaseResult[];
  /** Requests the gateway must refuse; absent in reports written before they were measured. */
  rejections?: RejectionResult[];
  /** Empty when the 2 KB concurrency-32 case was not run, or in the ingest-only experiment. */
  references: ReferenceRun[];
  logLine: LogLineCost;
  peakRssMB: Record<"gateway" | "baseline", { process: string; peakRssMB: number | null }[]>;
  /** Most open file descriptors seen per process (sampled every 200 ms during the cases). */
  peakOpenFiles: Record<"gateway" | "baseline", Record<string, number>>;
  profiledRun: ProfiledRun | null;
  profile: ProfileSummary | null;
  ledger: { unknownDeliveries: number; badSignatures: number };
  targets: Target[];
  /** Rows read and written per event, counted in workerd by bench/storage-work.perf.ts. */
  storageWork: StorageWork | null;
  correct: boolean;
  durationSeconds: number;
}

function version(repo: string, path: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(repo, "node_modules", path, "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
  } catch {
    return "unknown";
  }
}

export function machineInfo(repo: string): Record<string, string | number> {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    wrangler: version(repo, "wrangler"),
    workerd: version(repo, "wrangler/node_modules/@cloudflare/workerd-linux-64"),
    autocannon: version(repo, "autocannon"),
  };
}

const percent = (ratio: number | null) => `${Math.round((ratio ?? 0) * 100)}%`;

export function judgeTargets(cases: CaseResult[], references: ReferenceRun[]): Target[] {
  const c32 = cases.find((c) => c.name === "2kb-c32");
  const targets: Target[] = [];
  if (c32) {
    targets.push({
      name: "ingest throughput ≥ 60% of baseline at concurrency 32",
      met: (c32.throughputRatio ?? 0) >= 0.6,
      detail:
        `${c32.gateway.requestsPerSecond} vs ${c32.baseline.requestsPerSecond} req/s = ${percent(c32.throughputRatio)}` +
        references
          .map(
            (r) =>
              `; ${r.kind}: ${percent(r.throughputRatio)} of its baseline (${r.requestsPerSecond} vs ${r.baselineRequestsPerSecond} req/s)`,
          )
          .join(""),
    });
    targets.push({
      name: "ingest p99 ≤ 2× baseline at concurrency 32",
      met: (c32.p99Ratio ?? Number.POSITIVE_INFINITY) <= 2,
      detail:
        `${c32.gateway.latencyMs.p99} vs ${c32.baseline.latencyMs.p99} ms = ${c32.p99Ratio}×` +
        references.map((r) => `; ${r.kind}: ${r.latencyMs.p99} ms = ${r.p99Ratio}×`).join(""),
    });
    targets.push({
      name: "net CPU per accepted event ≤ 1 ms at 2 KB (concurrency 32)",
      met: (c32.netCpuMsPerAcceptedEvent ?? Number.POSITIVE_INFINITY) <= 1,
      detail:
        `${c32.gateway.cpuMsPerAcceptedEvent} − ${c32.baseline.cpuMsPerRequest} = ${c32.netCpuMsPerAcceptedEvent} ms (2 KB cases: ${cases
          .filter((c) => c.size === "2kb")
          .map((c) => `${c.name} ${c.netCpuMsPerAcceptedEvent}`)
          .join(", ")})` +
        references.map((r) => `; ${r.kind}: net ${r.netCpuMsPerAcceptedEvent} ms`).join(""),
    });
  }
  const growing = cases.filter((c) => c.gateway.delivery.backlogGrowing);
  targets.push({
    name: "delivery keeps up with ingest (no growing backlog)",
    met: growing.length === 0 && cases.length > 0,
    detail:
      cases
        .map(
          (c) =>
            `${c.name} ${c.gateway.delivery.deliveredPerSecond}/${c.gateway.acceptedPerSecond} ev/s, backlog ${c.gateway.delivery.backlog.q50}→${c.gateway.delivery.backlog.end}`,
        )
        .join("; ") + (growing.length > 0 ? ` — growing in ${growing.map((c) => c.name).join(", ")}` : ""),
  });
  const slow = cases.filter((c) => (c.gateway.delivery.endToEndMs.p99 ?? Number.POSITIVE_INFINITY) >= 1000);
  targets.push({
    name: "end-to-end p99 < 1 s",
    met: slow.length === 0 && cases.length > 0,
    detail: cases.map((c) => `${c.name} ${c.gateway.delivery.endToEndMs.p99} ms`).join(", "),
  });
  const unreliable = [...cases, ...references].filter((c) => c.warnings.length > 0);
  if (unreliable.length > 0) {
    targets.push({
      name: "the machine was otherwise idle",
      met: false,
      detail: `other processes were busy during ${unreliable.map((c) => ("name" in c ? c.name : c.kind)).join(", ")}: rerun on an idle machine`,
    });
  }
  const wrong = cases.filter((c) => !c.correct);
  targets.push({
    name: "every accepted event delivered exactly once",
    met: wrong.length === 0 && cases.length > 0,
    detail:
      wrong.length === 0
        ? `${cases.reduce((n, c) => n + c.gateway.delivery.delivered, 0)} events, each delivered once with a valid signature`
        : wrong.map((c) => `${c.name}: ${c.problems.join("; ")}`).join(" | "),
  });
  return targets;
}

// ---------------------------------------------------------------------------------------------------
// Markdown

/** JSON lines the gateway printed per accepted event (its own stages, not wrangler's request lines). */
function consoleLinesPerEvent(c: CaseResult): number | null {
  if (c.gateway.accepted === 0) return null;
  const lines = Object.entries(c.gateway.runtimeWork.logLinesByStage)
    .filter(([stage]) => !stage.startsWith("wrangler:"))
    .reduce((n, [, count]) => n + count, 0);
  return Number((lines / c.gateway.accepted).toPrecision(3));
}

const idleText = (idle: { totalMs: number | null; byProcess: Record<string, number | null> }) =>
  `${dash(idle.totalMs)} (${Object.entries(idle.byProcess)
    .map(([name, ms]) => `${name} ${dash(ms)}`)
    .join(", ")})`;

const dash = (value: number | null | undefined, unit = "") =>
  value === null || value === undefined ? "—" : `${value}${unit}`;

/** The process that runs the Worker itself (process-stats.ts names it). */
const WORKER_PROCESS = "workerd (worker)";

/** The "Rejected requests" section (empty when no rejection case ran). */
export function rejectionSection(report: BenchReport): string[] {
  const rejections = report.rejections ?? [];
  if (rejections.length === 0) return [];
  const perLine = report.logLine.cpuMsPerLine;
  const lines = [
    "",
    "## Rejected requests",
    "",
    "What a sender without the secret costs, measured like the cases above: the same requests against the baseline (which answers them 202) and then the gateway, CPU from /proc over each runtime (gateway from the start of the load until it settled, baseline during the load), per request; net = gateway − baseline. **Ratio** = net CPU per rejected request ÷ net CPU per accepted 2 KB event of the same run (the full pipeline: verify, claim, enqueue and deliver). Any gateway answer other than 401 or 429 fails the case.",
    '**reject-bad-sig**: 2 KB GitHub events signed with the wrong secret, each from its own `CF-Connecting-IP` (the failed-auth limiter\'s worst case: every request is verified with every secret and counted). **reject-bad-sig-one-ip**: the same from one address (30 × 401, then 429s that skip the limiter). **reject-many-sigs**: a 1 MiB Stripe body with 235 fake `v1=` entries in one `Stripe-Signature` (the security review\'s attack; 1.4 s per request before entries were capped at 8), each from its own address. The gateway prints one log line per rejection; "log plumbing" is its local cost (see "CPU and memory").',
    "",
    "| case | clients | gateway answers | gateway req/s | p50 / p99 ms | baseline req/s | baseline p50 / p99 ms | CPU ms/request gateway − baseline = **net** | Worker's workerd ms/request gateway / baseline | console lines/request | net without log plumbing | accepted event net ms | **ratio to accepted** |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rejections) {
    const g = r.gateway;
    const plumbing =
      perLine !== null && g.consoleLinesPerRequest !== null ? g.consoleLinesPerRequest * perLine : null;
    const without =
      plumbing !== null && r.netCpuMsPerRequest !== null
        ? Number((r.netCpuMsPerRequest - plumbing).toPrecision(3))
        : null;
    const answers = Object.entries(g.statuses)
      .map(([status, n]) => `${n} × ${status}`)
      .join(", ");
    lines.push(
      `| ${r.name} | ${r.clients} | ${answers} | ${dash(g.requestsPerSecond)} | ${dash(g.latencyMs.p50)} / ${dash(g.latencyMs.p99)} | ${dash(r.baseline.requestsPerSecond)} | ${dash(r.baseline.latencyMs.p50)} / ${dash(r.baseline.latencyMs.p99)} | ${dash(g.cpuMsPerRequest)} − ${dash(r.baseline.cpuMsPerRequest)} = **${dash(r.netCpuMsPerRequest)}** | ${dash(g.cpuMsByProcess[WORKER_PROCESS])} / ${dash(r.baseline.cpuMsByProcess[WORKER_PROCESS])} | ${dash(g.consoleLinesPerRequest)} | ${dash(without)} | ${dash(r.accepted?.netCpuMsPerEvent)} (${r.accepted?.name ?? "none ran"}) | **${dash(r.ratioToAccepted)}** |`,
    );
    const notes = [...r.problems.map((p) => `**${p}**`), ...r.warnings];
    if (notes.length > 0) lines.push(`| | ${notes.join("; ")} | | | | | | | | | | | |`);
  }
  return lines;
}

/** One run's statements as table rows: calls, rows read and written, per event. */
function statementRows(run: PipelineRun): string[] {
  return Object.entries(run.ledger.byStatement).map(
    ([name, row]) =>
      `| \`${name.replaceAll("|", "\\|")}\` | ${row.calls} | ${row.rowsRead} | ${row.rowsWritten} | ${Number((row.rowsWritten / run.events).toFixed(3))} |`,
  );
}

const perEvent = (n: number, events: number) => Number((n / events).toFixed(3));

/** The "Storage work per event" section: rows per statement, rows written later, bytes kept, the alarm's reads. */
export function storageSection(storage: StorageWork): string[] {
  const { lone, batch, deferred } = storage;
  const bytes = storage.bytesPerRetainedEvent;
  const calls = (run: PipelineRun) =>
    Object.entries(run.durableObjectCalls)
      .map(([method, n]) => `${method} ${n}`)
      .join(", ");
  const lines: string[] = [
    "## Storage work per event",
    "",
    `Counted by the runtime in workerd (bench/storage-work.perf.ts): 2 KB GitHub events, one route (the built-in forwarder), first-try delivery, through the real Worker, ledger shards, route gate, queues and consumer; \`cursor.rowsRead\`/\`rowsWritten\` of every statement on every Durable Object (index entries count as rows written), every billed call, every queue message. No D1. Two runs: a **lone event**, and a **batch of ${batch.events}** accepted concurrently (group commit, the outbox's sent mark, lease batches and the consumer's per-shard calls are shared by the batch: that is the headline). Then the alarms each run planned, run once.`,
    "",
    `Lone event: ${lone.ledger.written} rows written, ${lone.ledger.read} read; calls ${calls(lone)}; ${lone.queue.messages} message (${lone.queue.messageBytes.join(", ")} B) in ${lone.queue.sendBatches} \`sendBatch\`; alarm runs it planned: ${lone.alarmRuns.runs}, ${lone.alarmRuns.read} rows read, ${lone.alarmRuns.written} written.`,
    `Batch of ${batch.events}: ${batch.ledger.written} rows written (**${perEvent(batch.ledger.written, batch.events)} per event**), ${batch.ledger.read} read; calls ${calls(batch)}; ${batch.queue.messages} messages in ${batch.queue.sendBatches} \`sendBatch\`; alarm runs it planned: ${batch.alarmRuns.runs}, ${batch.alarmRuns.read} rows read, ${batch.alarmRuns.written} written.`,
    "",
    `| statement (batch of ${batch.events}) | calls | rows read | rows written | written per event |`,
    "| --- | --- | --- | --- | --- |",
    ...statementRows(batch),
    "",
    `| statement (lone event) | calls | rows read | rows written | written per event |`,
    "| --- | --- | --- | --- | --- |",
    ...statementRows(lone),
    "",
    `Rows written **later**, counted by running the ledger's own purge code on every shard with the windows passed, over the ${deferred.events} events of both runs: ${Object.entries(
      deferred.byPhase,
    )
      .map(([phase, rows]) => `${phase}: ${rows.written} written, ${rows.read} read`)
      .join("; ")} — **${perEvent(deferred.written, deferred.events)} rows written per event** later.`,
    "",
    `Bytes kept per delivered event (growth of \`sql.databaseSize\`: pages, so index entries and slack included) over 5,000 events with a ${bytes.bodyBytes}-byte body and GitHub's headers, each taken through the ledger's own code in batches of ${batch.events} (signed-content claim and store in one transaction, one sent mark, begin with one lease batch, first-try settle, lease batches pruned): **${bytes.afterDelivery} bytes** after delivery; **${bytes.afterReplayWindow} bytes** after the replay window in the steady state (5,000 more events delivered after a purge, then purged; the first purge shrank the database by ${bytes.shrunkByFirstPurge} B per event: the request is cleared inside the claim row, and SQLite does not give back the page space that frees, so new claims cannot use it). The same claims stored with an empty request keep **${bytes.claimWithoutRequest} bytes**: the floor of this row layout. Column data per event (value lengths, integers as 8 bytes): ${Object.entries(
      bytes.columns,
    )
      .map(([what, n]) => `${what} ${n}`)
      .join(
        ", ",
      )}. The ledger's own code ran ${bytes.directMicrosecondsPerEvent} µs per event here (direct calls, no RPC). A Durable Object holds at most 10 GB (docs/scaling.md).`,
    "",
    "The ledger's alarm runs every OUTBOX_REDRIVE_SECONDS (5 s) on every shard that accepted an event since its last run. What one run reads, by retained (delivered, younger than the replay window) claims in the shard, with the sent and low-water marks where delivery left them:",
    "",
    "| retained claims | rows read per alarm run | rows written | wall ms | of which SELECT_UNFINISHED | \"any claims?\" with count(*) / EXISTS | `status = 'retrying'` as written / repeating the partial index's term |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const a of storage.alarm)
    lines.push(
      `| ${a.retained} | ${a.alarmRowsRead} | ${a.alarmRowsWritten} | ${a.wallMs} | ${a.byStatement.SELECT_UNFINISHED?.rowsRead ?? "—"} | ${a.anyEventsRowsRead.countStar} / ${a.anyEventsRowsRead.exists} | ${a.anyEventsRowsRead.retryingAsWritten ?? "—"} / ${a.anyEventsRowsRead.retryingThroughIndex ?? "—"} |`,
    );
  lines.push("");
  return lines;
}

function markdown(report: BenchReport, svgName?: string, previous = new Map<string, string>()): string {
  const m = report.machine;
  const lines: string[] = [];
  lines.push(`# Hookgate benchmark, ${report.date.slice(0, 16).replace("T", " ")} UTC`, "");
  lines.push(
    `Local Workers runtime (\`wrangler dev\` ${m.wrangler}, workerd ${m.workerd}) on ${m.cores} × ${m.cpu}, ${m.memoryGB} GB, Linux ${m.kernel}, Node ${m.node}; load from autocannon ${m.autocannon} in its own process.`,
    `Gateway settings: CLAIM_SHARDS ${report.settings.claimShards}, queue max_batch_timeout ${report.settings.maxBatchTimeoutSeconds} s${
      Object.keys(report.settings.vars).length > 0
        ? `, overrides ${JSON.stringify(report.settings.vars)}`
        : ""
    }${report.settings.ingestOnly ? ", **ingest only (no queue consumer; delivery figures do not apply)**" : ""}. Run took ${report.durationSeconds} s. ${
      report.correct
        ? report.settings.ingestOnly
          ? "One 202 per distinct event."
          : "**Every accepted event was delivered exactly once.**"
        : "**CORRECTNESS FAILURE — see the problems below.**"
    }`,
    "",
  );
  lines.push("## Targets", "", "| target | met | measured |", "| --- | --- | --- |");
  for (const t of report.targets) lines.push(`| ${t.name} | ${t.met ? "yes" : "**no**"} | ${t.detail} |`);
  lines.push("");
  if (svgName) lines.push(`![throughput and p99 against concurrency](${svgName})`, "");

  lines.push(
    "## Ingest",
    "",
    "Accepted events/s is 202 answers per second of load; latency is per request as autocannon saw it. The baseline answers every request 202.",
    "",
    "| case | gateway accepted/s | gateway req/s | p50 / p95 / p99 ms | errors | baseline req/s | baseline p50 / p95 / p99 ms | throughput ratio | p99 ratio |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const c of report.cases) {
    const g = c.gateway;
    const b = c.baseline;
    lines.push(
      `| ${c.name} | ${dash(g.acceptedPerSecond)} | ${dash(g.requestsPerSecond)} | ${dash(g.latencyMs.p50)} / ${dash(g.latencyMs.p95)} / ${dash(g.latencyMs.p99)} | ${g.errors} | ${dash(b.requestsPerSecond)} | ${dash(b.latencyMs.p50)} / ${dash(b.latencyMs.p95)} / ${dash(b.latencyMs.p99)} | ${dash(c.throughputRatio)} | ${dash(c.p99Ratio)} |`,
    );
  }
  if (report.references.length > 0) {
    lines.push(
      "",
      "## Ingest alone, and the durable floors",
      "",
      "The 2kb-c32 load three more times, with the gateway stopped, each right after a baseline run of its own (their ratios are against that run). **Ingest only**: the gateway without its queue consumer, so verify, claim and enqueue have the runtime to themselves (locally the consumer, its Durable Object calls and every forwarded request share one workerd thread with ingest; on Cloudflare they run elsewhere). **Durable floor** (bench/floor): the least any gateway that answers 202 only once an event is durable must do here, with none of Hookgate's work: read the body, write it under its id in one of four Durable Objects' SQLite, answer, send one queue message, and ack it in a consumer. **Delivering floor**: the same, and its consumer also POSTs each body to the same kind of agent sink the gateway delivers to (no envelope, no signature, no lease, no settle), timed until every event arrived: the least any gateway that delivers what it accepted pays here, so the whole pipeline's targets cannot be stricter than what this row reaches.",
      "",
      "| run | req/s | its baseline req/s | p50 / p95 / p99 ms | throughput ratio | p99 ratio | CPU ms/event − baseline = net | Worker's workerd ms/event | full gateway's ratio ÷ this ratio |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    );
    for (const r of report.references) {
      lines.push(
        `| ${r.kind} | ${dash(r.requestsPerSecond)} | ${dash(r.baselineRequestsPerSecond)} | ${dash(r.latencyMs.p50)} / ${dash(r.latencyMs.p95)} / ${dash(r.latencyMs.p99)} | ${dash(r.throughputRatio)} | ${dash(r.p99Ratio)} | ${dash(r.cpuMsPerAcceptedEvent)} − ${dash(r.baselineCpuMsPerRequest)} = **${dash(r.netCpuMsPerAcceptedEvent)}** | ${dash(r.cpuMsByProcess["workerd (worker)"])} | ${dash(r.gatewayRatioOverThis)} |`,
      );
      if (r.warnings.length > 0) lines.push(`| | warnings: ${r.warnings.join("; ")} | | | | | | | |`);
    }
  }
  lines.push(...rejectionSection(report));
  lines.push(
    "",
    "## Delivery",
    "",
    "End-to-end is from the 202 reaching the client to the forwarder's request reaching the sink (first arrival). Delivered/s counts from the start of the load to the last delivery; backlog is accepted minus delivered at the middle and the end of the load.",
    "",
    "| case | delivered | e2e p50 / p95 / p99 ms | delivered/s | backlog mid → end | drain after load | consumer batch (msgs, p50 ms) | sendBatch calls (msgs each) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const c of report.cases) {
    const d = c.gateway.delivery;
    const w = c.gateway.runtimeWork;
    lines.push(
      `| ${c.name} | ${d.delivered}/${c.gateway.accepted} | ${dash(d.endToEndMs.p50)} / ${dash(d.endToEndMs.p95)} / ${dash(d.endToEndMs.p99)} | ${dash(d.deliveredPerSecond)} | ${d.backlog.q50} → ${d.backlog.end}${d.backlogGrowing ? " (growing)" : ""} | ${dash(d.drainMs, " ms")} | ${dash(w.messagesPerConsumerBatch)}, ${dash(w.consumerBatchMs.p50)} | ${w.outboxSendBatchCalls > 0 ? `${w.outboxSendBatchCalls} (${dash(w.messagesPerSendBatch)})` : "— (logged at LOG_LEVEL=debug)"} |`,
    );
  }
  const perLine = report.logLine.cpuMsPerLine;
  lines.push(
    "",
    "## CPU and memory",
    "",
    "CPU is utime + stime from /proc over every process of each runtime (wrangler's node processes, both workerd processes, esbuild). Gateway: from the start of the load until the backlog drained, per accepted event. Baseline: during the load, per request. Net = gateway − baseline.",
    `Locally, wrangler dev carries every console.log through the DevTools protocol (workerd → its proxy workerd → wrangler's node process). Measured on the baseline printing ${report.logLine.linesPerRequest} lines per request (${dash(report.logLine.withLogsCpuMsPerRequest)} vs ${dash(report.logLine.baselineCpuMsPerRequest)} ms/request), one line costs **${dash(perLine)} ms** of CPU here. At the default LOG_LEVEL=info Hookgate prints one line per consumer batch and one per rejection or failure (per-event success lines only at debug). "Log plumbing" below is console lines per event × that cost; it does not exist in that form on Cloudflare.`,
    "",
    "| case | gateway ms/event | baseline ms/request | **net ms/event** | console lines/event | log plumbing ms/event | net without log plumbing | gateway peak RSS MB | baseline peak RSS MB |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const c of report.cases) {
    const consoleLines = consoleLinesPerEvent(c);
    const plumbing =
      perLine !== null && consoleLines !== null ? Number((consoleLines * perLine).toPrecision(3)) : null;
    const without =
      plumbing !== null && c.netCpuMsPerAcceptedEvent !== null
        ? Number((c.netCpuMsPerAcceptedEvent - plumbing).toPrecision(3))
        : null;
    lines.push(
      `| ${c.name} | ${dash(c.gateway.cpuMsPerAcceptedEvent)} | ${dash(c.baseline.cpuMsPerRequest)} | **${dash(c.netCpuMsPerAcceptedEvent)}** | ${dash(consoleLines)} | ${dash(plumbing)} | ${dash(without)} | ${dash(c.gateway.peakRssMB)} | ${dash(c.baseline.peakRssMB)} |`,
    );
  }
  const names = [
    ...new Set(
      report.cases.flatMap((c) => [
        ...Object.keys(c.gateway.cpuMsByProcess),
        ...Object.keys(c.baseline.cpuMsByProcess),
      ]),
    ),
  ].sort();
  lines.push(
    "",
    "CPU per event by process (ms):",
    "",
    `| case | runtime | ${names.join(" | ")} |`,
    `| --- | --- | ${names.map(() => "---").join(" | ")} |`,
  );
  for (const c of report.cases) {
    lines.push(
      `| ${c.name} | gateway | ${names.map((n) => dash(c.gateway.cpuMsByProcess[n])).join(" | ")} |`,
    );
    lines.push(`| | baseline | ${names.map((n) => dash(c.baseline.cpuMsByProcess[n])).join(" | ")} |`);
  }
  lines.push(
    `| log calibration | baseline + ${report.logLine.linesPerRequest} lines | ${names.map((n) => dash(report.logLine.byProcess[n])).join(" | ")} |`,
    "",
    `Idle CPU (ms per second of wall time, after the warm-up): gateway ${idleText(report.settings.idleCpuMsPerSecond.gateway)}; baseline ${idleText(report.settings.idleCpuMsPerSecond.baseline)}. It is included in the per-event figures, which matters only at low rates.`,
    `Peak RSS per process at the end (VmHWM, MB): gateway ${report.peakRssMB.gateway.map((p) => `${p.process} ${p.peakRssMB}`).join(", ")}; baseline ${report.peakRssMB.baseline.map((p) => `${p.process} ${p.peakRssMB}`).join(", ")}.`,
    "",
    "## Machine load during each run",
    "",
    "Cores in use while each run lasted (load, drain and settling included): the two runtimes, this harness (sink and load generator), and every other process on the machine. A run where other processes used more than 0.15 cores is flagged: its figures are unreliable.",
    "",
    "| case | gateway run: runtimes / harness / other | baseline run: runtimes / harness / other | warnings |",
    "| --- | --- | --- | --- |",
  );
  for (const c of report.cases) {
    const g = c.machine.gatewayRun;
    const b = c.machine.baselineRun;
    lines.push(
      `| ${c.name} | ${g.runtimesCores} / ${g.harnessCores} / ${g.otherCores} | ${b.runtimesCores} / ${b.harnessCores} / ${b.otherCores} | ${c.warnings.join("; ") || "—"} |`,
    );
  }
  lines.push("");

  if (report.profile) {
    const p = report.profile;
    lines.push(
      "## Where the gateway's time goes (V8 sampling profile)",
      "",
      `Sampled during an extra ${report.profiledRun?.name ?? ""} run (${report.profiledRun?.accepted ?? "?"} events). The sampler runs on wall-clock time inside the Worker's isolate (Worker, Durable Objects and the queue consumer share it locally): ${Math.round(p.busyMs)} ms of ${Math.round(p.sampledMs)} ms were not idle. "(runtime)" is native code called from JavaScript (storage, RPC, fetch, crypto); "(program)" is the runtime outside JavaScript.`,
      "",
      "| module | self ms | share of busy |",
      "| --- | --- | --- |",
    );
    for (const row of p.byModule.slice(0, 15))
      lines.push(`| ${row.name} | ${Math.round(row.selfMs)} | ${(row.share * 100).toFixed(1)}% |`);
    lines.push(
      "",
      "| function (inclusive of what it calls, synchronous part) | ms | share of busy |",
      "| --- | --- | --- |",
    );
    for (const row of p.inclusive)
      lines.push(`| ${row.name} | ${Math.round(row.selfMs)} | ${(row.share * 100).toFixed(1)}% |`);
    lines.push("", "| hottest functions (self) | ms | share of busy |", "| --- | --- | --- |");
    for (const row of p.byFunction.slice(0, 15))
      lines.push(
        `| ${row.name.replaceAll("|", "\\|")} | ${Math.round(row.selfMs)} | ${(row.share * 100).toFixed(1)}% |`,
      );
    lines.push("", "| hottest lines of the bundle (self) | ms | share of busy |", "| --- | --- | --- |");
    for (const row of p.byLine.slice(0, 12))
      lines.push(
        `| \`${row.name.replaceAll("|", "\\|").replaceAll("`", "'")}\` | ${Math.round(row.selfMs)} | ${(row.share * 100).toFixed(1)}% |`,
      );
    lines.push("");
  }

  if (report.storageWork) {
    const c32 = report.cases.find((c) => c.name === "2kb-c32") ?? null;
    lines.push(
      ...figuresSection(
        leanFigures(
          report.storageWork,
          report.settings.ingestOnly ? null : c32,
          report.settings.ingestOnly ? [] : report.references,
        ),
        previous,
        'Per 2 KB event, one route, first-try delivery (bench/lean-figures.ts, bench/cost-model.ts); throughput and CPU from this run\'s 2kb-c32 case and reference runs. The headline per-event figures are the **batched** run (50 events accepted concurrently, ÷ 50); the lone event and the whole life (rows written later by the request purge and expiry) are beside them. "Old value" is the figure before the lean pipeline, carried over from the previous bench/results/latest.md.',
      ),
    );
    lines.push(...storageSection(report.storageWork));
  }

  const rejections = report.rejections ?? [];
  const problems = [...report.cases, ...rejections].filter((c) => c.problems.length > 0);
  lines.push("## Correctness", "");
  if (problems.length === 0 && report.correct) {
    lines.push(
      `Every case: one 202 per distinct event, every duplicate answered 200, every accepted event delivered exactly once with a valid Standard Webhooks signature and one webhook-id (${report.ledger.unknownDeliveries} unknown deliveries).${rejections.length > 0 ? " Every rejection case: each request answered 401 or 429." : ""}`,
    );
  } else {
    for (const c of problems) lines.push(`- **${c.name}**: ${c.problems.join("; ")}`);
    if (report.ledger.unknownDeliveries > 0)
      lines.push(`- ${report.ledger.unknownDeliveries} deliveries were not Hookgate envelopes`);
  }
  lines.push("");
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------------
// SVG: two panels, throughput and p99 against concurrency, gateway and baseline (2 KB sweep).

const escapeXml = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;");

function panel(
  x0: number,
  title: string,
  unit: string,
  concurrencies: number[],
  series: { name: string; color: string; values: (number | null)[] }[],
): string {
  const width = 400;
  const height = 260;
  const left = x0 + 56;
  const right = x0 + width - 16;
  const top = 48;
  const bottom = top + height - 80;
  const max = Math.max(1, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null))) * 1.15;
  const step = 10 ** Math.floor(Math.log10(max));
  const tick = max / step > 5 ? step * 2 : max / step > 2 ? step : step / 2;
  const xAt = (i: number) => left + ((right - left) * (i + 0.5)) / concurrencies.length;
  const yAt = (v: number) => bottom - ((bottom - top) * v) / max;
  const parts: string[] = [
    `<text x="${x0 + width / 2}" y="28" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let v = 0; v <= max; v += tick) {
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${yAt(v).toFixed(1)}" y2="${yAt(v).toFixed(1)}" stroke="#e5e5e5"/>`,
    );
    parts.push(
      `<text x="${left - 6}" y="${(yAt(v) + 4).toFixed(1)}" text-anchor="end" font-size="11">${Math.round(v)}</text>`,
    );
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#333"/>`);
  parts.push(`<line x1="${left}" x2="${right}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
  concurrencies.forEach((c, i) => {
    parts.push(
      `<text x="${xAt(i).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" font-size="11">${c}</text>`,
    );
  });
  parts.push(
    `<text x="${(left + right) / 2}" y="${bottom + 34}" text-anchor="middle" font-size="11">concurrency</text>`,
  );
  parts.push(
    `<text x="${x0 + 14}" y="${(top + bottom) / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${x0 + 14} ${(top + bottom) / 2})">${escapeXml(unit)}</text>`,
  );
  series.forEach((s, k) => {
    const points = s.values
      .map((v, i) => (v === null ? null : `${xAt(i).toFixed(1)},${yAt(v).toFixed(1)}`))
      .filter((p): p is string => p !== null);
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points.join(" ")}"/>`);
    s.values.forEach((v, i) => {
      if (v === null) return;
      parts.push(`<circle cx="${xAt(i).toFixed(1)}" cy="${yAt(v).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
      parts.push(
        `<text x="${(xAt(i) + 6).toFixed(1)}" y="${(yAt(v) - 6).toFixed(1)}" font-size="10" fill="${s.color}">${v}</text>`,
      );
    });
    parts.push(`<rect x="${left + 8}" y="${top + 4 + k * 16}" width="10" height="10" fill="${s.color}"/>`);
    parts.push(`<text x="${left + 22}" y="${top + 13 + k * 16}" font-size="11">${escapeXml(s.name)}</text>`);
  });
  return parts.join("\n  ");
}

function chart(report: BenchReport): string {
  const sweep = report.cases
    .filter((c) => c.size === "2kb" && c.duplicateShare === 0 && !c.rate)
    .sort((a, b) => a.concurrency - b.concurrency);
  const conc = sweep.map((c) => c.concurrency);
  const gateway = "#d9480f";
  const baseline = "#1c7ed6";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="300" viewBox="0 0 800 300" font-family="system-ui, sans-serif" font-size="12">
  <rect width="800" height="300" fill="white"/>
  ${panel(0, "Throughput, 2 KB events (higher is better)", "requests / s", conc, [
    { name: "baseline (bare 202)", color: baseline, values: sweep.map((c) => c.baseline.requestsPerSecond) },
    { name: "Hookgate (accepted)", color: gateway, values: sweep.map((c) => c.gateway.acceptedPerSecond) },
  ])}
  ${panel(400, "Ingest p99 latency (lower is better)", "ms", conc, [
    { name: "baseline", color: baseline, values: sweep.map((c) => c.baseline.latencyMs.p99) },
    { name: "Hookgate", color: gateway, values: sweep.map((c) => c.gateway.latencyMs.p99) },
  ])}
  <text x="400" y="292" text-anchor="middle" font-size="10" fill="#666">${escapeXml(`${report.date.slice(0, 10)} · ${report.machine.cores} × ${report.machine.cpu} · wrangler dev ${report.machine.wrangler}`)}</text>
</svg>
`;
}

/** Writes the run's files (see the file header); returns their paths relative to the repository. */
export function writeReport(repo: string, report: BenchReport, label?: string): string[] {
  const tmp = "bench/results/tmp";
  if (!existsSync(join(repo, tmp))) mkdirSync(join(repo, tmp), { recursive: true });
  const name = `${report.date.slice(0, 10)}${label ? `-${label.replace(/[^\w.-]/g, "_")}` : ""}`;
  const files = ["json", "md", "svg"].map((ext) => `${tmp}/${name}.${ext}`);
  writeFileSync(join(repo, `${tmp}/${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(repo, `${tmp}/${name}.md`), markdown(report, `${name}.svg`));
  writeFileSync(join(repo, `${tmp}/${name}.svg`), chart(report));
  if (label) return files;
  const latest = join(repo, "bench/results/latest.md");
  const previous = previousFigures(existsSync(latest) ? readFileSync(latest, "utf8") : "");
  writeFileSync(latest, markdown(report, undefined, previous));
  return ["bench/results/latest.md", ...files];
}
