/**
 * `npm run bench`: how fast Hookgate ingests and delivers on the local Workers runtime, next to a bare
 * Worker that only answers 202 (the ceiling for this machine), with exactly-once checked on every event.
 *
 * 1. Starts the gateway and the baseline under `wrangler dev` on free 127.0.0.1 ports (fresh persisted
 *    state in a temporary directory), and an agent sink (the forwarder's AGENT_ENDPOINT_URL) in this process.
 * 2. Per case (payload size × concurrency, and one with 50% duplicates) runs the same prebuilt, validly
 *    signed GitHub events against the baseline and then the gateway, from a separate load process. Then
 *    the rejection cases, measured the same way: requests the gateway must refuse 401 or 429 (a wrong
 *    signature; a 1 MiB body with 235 fake Stripe signatures), set against an accepted 2 KB event.
 * 3. After each gateway case waits (bounded) until every accepted event reached the sink, then checks that
 *    each arrived exactly once with a valid signature, and reads CPU and memory of each runtime from /proc.
 * 4. Runs the 2 KB concurrency-32 load twice more, each right after a baseline run of its own: against the
 *    gateway without its queue consumer (ingest alone), and against the durable floor (bench/floor): one
 *    Durable Object write and one queue message per event and nothing else, the least a durable gateway pays.
 * 5. Profiles the gateway with the V8 sampling profiler during one extra case (skip with --no-profile).
 * 6. Writes bench/results/latest.md (the raw run to bench/results/tmp/), prints the summary, and exits 1
 *    on any correctness failure (2 when the run could not be carried out).
 *
 * Options: --no-profile · --no-storage · --var NAME=VALUE (gateway vars, repeatable) · --batch-timeout SECONDS
 * (the queue consumer's max_batch_timeout for this run) · --ingest-only (no queue consumer: measures verify,
 * claim and enqueue alone; delivery is not checked) · --cases a,b (only these) · --label TEXT (results suffix).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";
import { closeAgentSink, type Delivery, startAgentSink } from "../scripts/agent-sink.ts";
import { cleanUpOnEveryExit } from "../scripts/exit-cleanups.ts";
import { stopRuntime } from "../scripts/wrangler-dev-process.ts";
import { Inspector, moduleResolver, type ProfileSummary, startProfiling, summarise } from "./cpu-profile.ts";
import type { PayloadSize } from "./github-payloads.ts";
import { leanFigures, previousFigures, printFigures } from "./lean-figures.ts";
import type { LoadResult, LoadSpec } from "./load-generator.ts";
import { measureStorageWork } from "./measure-storage-work.ts";
import { cpuDelta, RuntimeMeter } from "./process-stats.ts";
import { REJECTED_STATUSES, type RejectionKind } from "./rejected-requests.ts";
import {
  type BenchReport,
  type CaseResult,
  judgeTargets,
  type LogLineCost,
  machineInfo,
  type ProfiledRun,
  type ReferenceRun,
  type RejectionResult,
  writeReport,
} from "./report.ts";
import { LogCounter, type LogCounts, prepareRuntimes, type Runtime } from "./runtimes.ts";
import { percentiles, round } from "./stats.ts";

export interface BenchCase {
  name: string;
  size: PayloadSize;
  concurrency: number;
  requests: number;
  duplicateShare: number;
  /** Requests per second (open loop); unset: closed loop, as fast as answers come back. */
  rate?: number;
  /** A rejection case: requests the gateway must refuse (`size` is unused by `many-sigs`, which sends 1 MiB). */
  reject?: RejectionKind;
  /** Rejection cases: distinct client addresses the requests come from; unset: one per request. */
  clients?: number;
}

/** The fixed sweep. Request counts keep each gateway case at a few seconds on 2 cores. */
const CASES: BenchCase[] = [
  { name: "2kb-10rps", size: "2kb", concurrency: 1, requests: 40, duplicateShare: 0, rate: 10 },
  { name: "2kb-c1", size: "2kb", concurrency: 1, requests: 200, duplicateShare: 0 },
  { name: "2kb-c8", size: "2kb", concurrency: 8, requests: 800, duplicateShare: 0 },
  { name: "2kb-c32", size: "2kb", concurrency: 32, requests: 1200, duplicateShare: 0 },
  { name: "2kb-c64", size: "2kb", concurrency: 64, requests: 1200, duplicateShare: 0 },
  { name: "64kb-c32", size: "64kb", concurrency: 32, requests: 400, duplicateShare: 0 },
  { name: "2kb-c32-dup50", size: "2kb", concurrency: 32, requests: 1200, duplicateShare: 0.5 },
];

type RejectionCase = BenchCase & { reject: RejectionKind };

/**
 * Requests the gateway must refuse, after the sweep, each set against the sweep's accepted 2 KB event.
 * Each request comes from its own client address, the failed-auth limiter's worst case (every request
 * is verified with every secret and counted); `-one-ip` sends them all from one address (30 × 401, then
 * the 429s of a client known to be over the limit).
 */
const REJECTION_CASES: RejectionCase[] = [
  {
    name: "reject-bad-sig",
    size: "2kb",
    concurrency: 32,
    requests: 1200,
    duplicateShare: 0,
    reject: "bad-sig",
  },
  {
    name: "reject-bad-sig-one-ip",
    size: "2kb",
    concurrency: 32,
    requests: 1200,
    duplicateShare: 0,
    reject: "bad-sig",
    clients: 1,
  },
  {
    name: "reject-many-sigs",
    size: "2kb",
    concurrency: 32,
    requests: 300,
    duplicateShare: 0,
    reject: "many-sigs",
  },
];
const WARMUP: BenchCase = { name: "warmup", size: "2kb", concurrency: 8, requests: 150, duplicateShare: 0 };
/** Baseline only, printing LOG_CALIBRATION_LINES JSON lines per request: what one log line costs locally. */
const LOG_CALIBRATION: BenchCase = {
  name: "2kb-c32-baseline-logging",
  size: "2kb",
  concurrency: 32,
  requests: 1200,
  duplicateShare: 0,
};
const LOG_CALIBRATION_LINES = 3;
/** The load of the reference runs (ingest alone, the durable floor), each compared with a baseline run of its own. */
const REFERENCE: BenchCase = {
  name: "2kb-c32",
  size: "2kb",
  concurrency: 32,
  requests: 1200,
  duplicateShare: 0,
};
/** Gateway only, with the V8 profiler attached (kept apart so it cannot skew the figures above). */
const PROFILED: BenchCase = {
  name: "2kb-c32-profiled",
  size: "2kb",
  concurrency: 32,
  requests: 800,
  duplicateShare: 0,
};

const OVERALL_TIMEOUT_MS = 240_000;
const STARTUP_TIMEOUT_MS = 60_000;
const CASE_MAX_MS = 30_000;
const DRAIN_TIMEOUT_MS = 20_000;
/** After the last delivery: lets the consumer settle and ack its last batch before CPU is read. */
const SETTLE_MS = 300;
const RSS_SAMPLE_MS = 200;
const IDLE_SAMPLE_MS = 2_000;
const BASELINE_REQUEST_FACTOR = 3;
/** Above this much CPU used by processes that are not ours, a run's figures are flagged as unreliable. */
const BUSY_MACHINE_CORES = 0.15;

const REPO = fileURLToPath(new URL("../", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const { values: options } = parseArgs({
  options: {
    profile: { type: "boolean", default: true },
    "no-profile": { type: "boolean", default: false },
    "no-storage": { type: "boolean", default: false },
    "ingest-only": { type: "boolean", default: false },
    var: { type: "string", multiple: true, default: [] },
    "batch-timeout": { type: "string" },
    cases: { type: "string" },
    label: { type: "string" },
  },
});

// ---------------------------------------------------------------------------------------------------
// Cleanup on every exit path.

const { cleanups, exitWith } = cleanUpOnEveryExit("bench");

// ---------------------------------------------------------------------------------------------------
// Delivery bookkeeping: every sink arrival is attributed to its event id, whatever case it belongs to.

interface Arrival {
  at: number;
  webhookId: string;
  signatureValid: boolean;
}

class DeliveryLedger {
  private readonly sink: Delivery[];
  private readonly verifier: Webhook;
  private consumed = 0;
  readonly byId = new Map<string, Arrival[]>();
  unknown = 0;
  badSignatures = 0;

  constructor(sink: Delivery[], agentSecret: string) {
    this.sink = sink;
    this.verifier = new Webhook(agentSecret);
  }

  /** Indexes new arrivals; the envelope's `id` is its first field, so no 64 KB body is parsed. */
  collect(): void {
    const fresh = this.sink.splice(0, this.sink.length);
    this.consumed += fresh.length;
    for (const delivery of fresh) {
      const id = /^\{"id":"((?:[^"\\]|\\.)*)"/.exec(delivery.body)?.[1];
      if (id === undefined) {
        this.unknown++;
        continue;
      }
      let signatureValid = true;
      try {
        this.verifier.verify(delivery.body, delivery.headers);
      } catch {
        signatureValid = false;
        this.badSignatures++;
      }
      const list = this.byId.get(JSON.parse(`"${id}"`) as string) ?? [];
      list.push({ at: delivery.at, webhookId: delivery.webhookId, signatureValid });
      this.byId.set(JSON.parse(`"${id}"`) as string, list);
    }
  }

  /** Arrivals so far, without indexing them (cheap enough to poll while the gateway works). */
  pending(): number {
    return this.sink.length;
  }

  deliveredCount(ids: readonly string[]): number {
    let n = 0;
    for (const id of ids) if (this.byId.has(id)) n++;
    return n;
  }
}

// ---------------------------------------------------------------------------------------------------
// One case against one runtime.

type Cpu = { totalMs: number; byName: Record<string, number> };

interface Measured {
  load: LoadResult;
  /** The measured runtime's CPU during the load. */
  cpu: Cpu;
  /** Only for the gateway: its CPU from the start of the load until the backlog drained. */
  cpuUntilDrained: Cpu | null;
  drainedAt: number | null;
  peakRssBytes: number;
  logs: LogCounts;
  /** CPU on this machine during the case, by who used it (ms), and the window's length. */
  machine: { windowMs: number; runtimesMs: number; harnessMs: number; otherMs: number };
}

/** Busy CPU time of the whole machine so far (ms), from the first line of /proc/stat. */
function machineBusyMs(): number {
  const fields =
    readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100;
}

function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function runLoad(spec: LoadSpec, workDir: string, name: string): Promise<LoadResult> {
  const specPath = join(workDir, `${name}.spec.json`);
  const resultPath = join(workDir, `${name}.result.json`);
  writeFileSync(specPath, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, "bench/load-generator.ts"), specPath, resultPath], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), spec.maxDurationMs + 30_000);
    child.once("exit", (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`load generator for ${name} exited with ${code}`));
      try {
        resolve(JSON.parse(readFileSync(resultPath, "utf8")) as LoadResult);
      } catch (error) {
        reject(error);
      }
    });
  });
}

interface CaseContext {
  workDir: string;
  secret: string;
  seed: number;
  ledger: DeliveryLedger;
  /** The runtimes that are up; all of them count towards "our" CPU when judging how busy the machine was. */
  meters: Partial<Record<Runtime["label"], RuntimeMeter>>;
  /** False in the ingest-only experiment: nothing is delivered, so nothing is awaited. */
  awaitDelivery: boolean;
  /** What the delivering floor's sink received (its own sink: it neither wraps nor signs). */
  floorDeliveries: Delivery[];
  query?: string;
}

async function measureCase(
  runtime: Runtime,
  logs: LogCounter,
  benchCase: BenchCase,
  context: CaseContext,
): Promise<Measured> {
  const meter = context.meters[runtime.label];
  if (!meter) throw new Error(`no meter for ${runtime.label}`);
  const meters = Object.values(context.meters);
  const cpuOfAll = () => meters.map((m) => m.cpu());
  const spec: LoadSpec = {
    url: runtime.base,
    // The baseline answers ~3× faster: 3× the requests keep its run as long as the gateway's, so a hiccup
    // of wrangler's (a GC pause, a log flush) cannot decide the ratio. Open-loop cases keep their count.
    requests:
      runtime.label === "baseline" && !benchCase.rate
        ? benchCase.requests * BASELINE_REQUEST_FACTOR
        : benchCase.requests,
    concurrency: benchCase.concurrency,
    size: benchCase.size,
    duplicateShare: benchCase.duplicateShare,
    secret: context.secret,
    maxDurationMs: CASE_MAX_MS,
    seed: context.seed,
    ...(benchCase.rate ? { rate: benchCase.rate } : {}),
    ...(context.query ? { query: context.query } : {}),
    ...(benchCase.reject ? { reject: benchCase.reject } : {}),
    ...(benchCase.clients ? { clients: benchCase.clients } : {}),
  };
  meter.takePeakRss();
  logs.reset();
  const beforeAll = cpuOfAll();
  const before = meter.cpu();
  const machineBefore = machineBusyMs();
  const harnessBefore = processCpuMs();
  const windowStart = Date.now();
  const sampler = setInterval(() => meter.sample(), RSS_SAMPLE_MS);
  try {
    const load = await runLoad(spec, context.workDir, `${benchCase.name}-${runtime.label}`);
    const afterLoad = meter.cpu();
    let cpuUntilDrained = null;
    let drainedAt = null;
    if (runtime.label === "gateway" && context.awaitDelivery) {
      const ids = load.acks.map((ack) => ack.id);
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      context.ledger.collect();
      while (context.ledger.deliveredCount(ids) < ids.length && Date.now() < deadline) {
        await sleep(50);
        if (context.ledger.pending() > 0) context.ledger.collect();
      }
      drainedAt = Date.now();
      await sleep(SETTLE_MS);
      cpuUntilDrained = cpuDelta(before, meter.cpu());
      context.ledger.collect();
    } else if (runtime.label === "delivering floor") {
      const ids = new Set(load.acks.map((ack) => ack.id));
      const delivered = () =>
        new Set(
          context.floorDeliveries
            .filter((d) => d.status < 300 && ids.has(d.webhookId))
            .map((d) => d.webhookId),
        ).size;
      const deadline = Date.now() + DRAIN_TIMEOUT_MS;
      while (delivered() < ids.size && Date.now() < deadline) await sleep(50);
      drainedAt = Date.now();
      await sleep(SETTLE_MS);
      cpuUntilDrained = cpuDelta(before, meter.cpu());
    } else if (runtime.label !== "baseline") {
      await sleep(SETTLE_MS); // queue sends (and the gateway's event-log writes) trail the last 202
      cpuUntilDrained = cpuDelta(before, meter.cpu());
    }
    const afterAll = cpuOfAll();
    const runtimesMs = beforeAll.reduce((n, cpu, i) => n + cpuDelta(cpu, afterAll[i] ?? cpu).totalMs, 0);
    const harnessMs = processCpuMs() - harnessBefore + load.totalCpuMs;
    const machineMs = machineBusyMs() - machineBefore;
    return {
      load,
      cpu: cpuDelta(before, afterLoad),
      cpuUntilDrained,
      drainedAt,
      peakRssBytes: meter.takePeakRss(),
      logs: logs.counts(),
      machine: {
        windowMs: Date.now() - windowStart,
        runtimesMs,
        harnessMs,
        otherMs: Math.max(0, machineMs - runtimesMs - harnessMs),
      },
    };
  } finally {
    clearInterval(sampler);
  }
}

// ---------------------------------------------------------------------------------------------------
// Turning measurements into a case result.

function loadSummary(load: LoadResult, accepted: number) {
  const seconds = Math.max(0.001, (load.endedAt - load.startedAt) / 1000);
  const lat = percentiles(load.latenciesMs);
  const non2xx = Object.entries(load.statuses)
    .filter(([status]) => !status.startsWith("2"))
    .reduce((n, [, count]) => n + count, 0);
  return {
    requests: load.latenciesMs.length,
    accepted,
    duplicates: load.duplicates,
    seconds: round(seconds),
    acceptedPerSecond: round(accepted / seconds),
    requestsPerSecond: round(load.latenciesMs.length / seconds),
    latencyMs: lat,
    errors: load.errors + non2xx,
    timeouts: load.timeouts,
    statuses: load.statuses,
    stoppedEarly: load.stoppedEarly,
  };
}

function deliverySummary(load: LoadResult, ledger: DeliveryLedger, drainedAt: number) {
  const acks = load.acks;
  const firstArrivals: number[] = [];
  const endToEnd: number[] = [];
  const missing: string[] = [];
  const duplicated: string[] = [];
  const inconsistentWebhookId: string[] = [];
  let badSignature = 0;
  for (const ack of acks) {
    const arrivals = ledger.byId.get(ack.id);
    if (!arrivals || arrivals.length === 0) {
      missing.push(ack.id);
      continue;
    }
    if (arrivals.length > 1) duplicated.push(ack.id);
    if (new Set(arrivals.map((a) => a.webhookId)).size > 1) inconsistentWebhookId.push(ack.id);
    badSignature += arrivals.filter((a) => !a.signatureValid).length;
    const first = Math.min(...arrivals.map((a) => a.at));
    firstArrivals.push(first);
    endToEnd.push(first - ack.at);
  }
  const acceptedIds = new Set(acks.map((a) => a.id));
  const acceptedTwice = acks.length - acceptedIds.size;
  const lastDelivery = firstArrivals.length > 0 ? Math.max(...firstArrivals) : null;
  const window = lastDelivery === null ? null : (lastDelivery - load.startedAt) / 1000;
  /** Accepted but not yet delivered at a point in the load window. */
  const backlogAt = (share: number) => {
    const t = load.startedAt + share * (load.endedAt - load.startedAt);
    return acks.filter((a) => a.at <= t).length - firstArrivals.filter((at) => at <= t).length;
  };
  const backlog = { q25: backlogAt(0.25), q50: backlogAt(0.5), q75: backlogAt(0.75), end: backlogAt(1) };
  return {
    delivered: firstArrivals.length,
    endToEndMs: percentiles(endToEnd),
    deliveredPerSecond: window ? round(firstArrivals.length / window) : null,
    backlog,
    backlogGrowing: backlog.end > backlog.q50 + 50 && backlog.end > backlog.q50 * 1.25,
    drainMs: lastDelivery === null ? null : Math.max(0, lastDelivery - load.endedAt),
    drainTimedOut: missing.length > 0 && Date.now() >= drainedAt,
    correctness: {
      missing: missing.length,
      duplicated: duplicated.length,
      acceptedTwice,
      inconsistentWebhookId: inconsistentWebhookId.length,
      badSignatures: badSignature,
      examples: [...missing.slice(0, 3), ...duplicated.slice(0, 3)],
    },
  };
}

/** How busy the machine was during a run: our runtimes, our harness (sink + load), and everyone else. */
function machineLoad(measured: Measured) {
  const seconds = Math.max(0.001, measured.machine.windowMs / 1000);
  return {
    seconds: round(seconds) ?? 0,
    runtimesCores: round(measured.machine.runtimesMs / 1000 / seconds) ?? 0,
    harnessCores: round(measured.machine.harnessMs / 1000 / seconds) ?? 0,
    otherCores: round(measured.machine.otherMs / 1000 / seconds) ?? 0,
  };
}

function perEvent(cpuMs: number, events: number): number | null {
  return events > 0 ? round(cpuMs / events) : null;
}

function buildCaseResult(
  benchCase: BenchCase,
  gateway: Measured,
  baseline: Measured,
  ledger: DeliveryLedger,
  deliveryChecked: boolean,
) {
  const accepted = gateway.load.acks.length;
  const distinct = Math.round(benchCase.requests * (1 - benchCase.duplicateShare));
  const g = loadSummary(gateway.load, accepted);
  const b = loadSummary(baseline.load, baseline.load.statuses["202"] ?? 0);
  const delivery = deliverySummary(gateway.load, ledger, gateway.drainedAt ?? Date.now());
  const gatewayCpu = gateway.cpuUntilDrained ?? gateway.cpu;
  const gatewayCpuPerEvent = perEvent(gatewayCpu.totalMs, accepted);
  const baselineCpuPerRequest = perEvent(baseline.cpu.totalMs, b.requests);
  const logs = gateway.logs;
  const result: CaseResult = {
    ...benchCase,
    distinctEvents: distinct,
    gateway: {
      ...g,
      cpuMsPerAcceptedEvent: gatewayCpuPerEvent,
      cpuMsPerRequest: perEvent(gatewayCpu.totalMs, g.requests),
      cpuMsByProcess: Object.fromEntries(
        Object.entries(gatewayCpu.byName).map(([name, ms]) => [name, perEvent(ms, accepted)]),
      ),
      cpuMsDuringLoadPerRequest: perEvent(gateway.cpu.totalMs, g.requests),
      peakRssMB: round(gateway.peakRssBytes / 2 ** 20),
      delivery,
      runtimeWork: {
        logLinesPerEvent: perEvent(logs.lines, accepted),
        logLinesByStage: logs.byStage,
        outboxSendBatchCalls: logs.outboxSends,
        messagesPerSendBatch: logs.outboxSends > 0 ? round(logs.outboxMessages / logs.outboxSends) : null,
        consumerBatches: logs.queueBatches,
        messagesPerConsumerBatch:
          logs.queueBatches > 0 ? round(logs.queueMessages / logs.queueBatches) : null,
        consumerBatchMs: percentiles(logs.queueBatchMs),
        errorLines: logs.errors,
      },
    },
    baseline: {
      ...b,
      cpuMsPerRequest: baselineCpuPerRequest,
      cpuMsByProcess: Object.fromEntries(
        Object.entries(baseline.cpu.byName).map(([name, ms]) => [name, perEvent(ms, b.requests)]),
      ),
      peakRssMB: round(baseline.peakRssBytes / 2 ** 20),
    },
    netCpuMsPerAcceptedEvent:
      gatewayCpuPerEvent !== null && baselineCpuPerRequest !== null
        ? round(gatewayCpuPerEvent - baselineCpuPerRequest)
        : null,
    // Both runtimes answer the same request stream, so requests/s compare like for like (duplicates too).
    throughputRatio:
      g.requestsPerSecond !== null && b.requestsPerSecond
        ? round(g.requestsPerSecond / b.requestsPerSecond)
        : null,
    p99Ratio: g.latencyMs.p99 !== null && b.latencyMs.p99 ? round(g.latencyMs.p99 / b.latencyMs.p99) : null,
    machine: { gatewayRun: machineLoad(gateway), baselineRun: machineLoad(baseline) },
    correct: false,
    problems: [],
    warnings: [],
  };
  for (const [label, run] of Object.entries(result.machine)) {
    if (run.otherCores > BUSY_MACHINE_CORES)
      result.warnings.push(
        `other processes used ${run.otherCores} cores during the ${label.replace("Run", "")} run: its figures are unreliable`,
      );
  }
  const c = delivery.correctness;
  const problems: string[] = [];
  if (accepted !== distinct)
    problems.push(`accepted ${accepted} events, expected ${distinct} (one 202 per distinct event)`);
  if (g.duplicates !== benchCase.requests - distinct)
    problems.push(`${g.duplicates} duplicate answers, expected ${benchCase.requests - distinct}`);
  if (deliveryChecked) {
    if (c.missing > 0) problems.push(`${c.missing} accepted events never reached the sink`);
    if (c.duplicated > 0) problems.push(`${c.duplicated} events delivered more than once`);
    if (c.inconsistentWebhookId > 0)
      problems.push(`${c.inconsistentWebhookId} events with differing webhook-ids`);
    if (c.badSignatures > 0) problems.push(`${c.badSignatures} deliveries with a bad signature`);
  }
  if (c.acceptedTwice > 0) problems.push(`${c.acceptedTwice} events answered 202 twice`);
  if (g.errors > 0) problems.push(`${g.errors} gateway requests failed (non-2xx or connection errors)`);
  if (b.errors > 0) problems.push(`${b.errors} baseline requests failed`);
  result.problems = problems;
  result.correct = problems.length === 0;
  return result;
}

/**
 * A rejection case: the same CPU accounting as an accepted case (gateway from the start of the load until
 * it settled, baseline during the load, net = the difference), per request, and its ratio to `accepted`,
 * the net CPU of an accepted 2 KB event in the same run. Any gateway answer but 401 or 429 fails it.
 */
function buildRejectionResult(
  benchCase: RejectionCase,
  gateway: Measured,
  baseline: Measured,
  accepted: CaseResult | undefined,
): RejectionResult {
  const g = loadSummary(gateway.load, 0);
  const b = loadSummary(baseline.load, baseline.load.statuses["202"] ?? 0);
  const gatewayCpu = gateway.cpuUntilDrained ?? gateway.cpu;
  const cpu = perEvent(gatewayCpu.totalMs, g.requests);
  const baselineCpu = perEvent(baseline.cpu.totalMs, b.requests);
  const net = cpu !== null && baselineCpu !== null ? round(cpu - baselineCpu) : null;
  const acceptedNet = accepted?.netCpuMsPerAcceptedEvent ?? null;
  const gatewayLines = Object.entries(gateway.logs.byStage)
    .filter(([stage]) => !stage.startsWith("wrangler:"))
    .reduce((n, [, count]) => n + count, 0);
  const problems: string[] = [];
  const unexpected = Object.entries(g.statuses).filter(
    ([status]) => !REJECTED_STATUSES.includes(Number(status)),
  );
  if (unexpected.length > 0)
    problems.push(
      `gateway answered ${unexpected.map(([status, n]) => `${n} × ${status}`).join(", ")} (only 401 and 429 expected)`,
    );
  if (g.requests !== benchCase.requests)
    problems.push(`${g.requests} of ${benchCase.requests} requests answered`);
  if (gateway.load.errors + gateway.load.timeouts > 0)
    problems.push(`${gateway.load.errors} gateway connection errors, ${gateway.load.timeouts} timeouts`);
  if (b.errors > 0) problems.push(`${b.errors} baseline requests failed`);
  const machine = { gatewayRun: machineLoad(gateway), baselineRun: machineLoad(baseline) };
  const warnings = Object.entries(machine)
    .filter(([, run]) => run.otherCores > BUSY_MACHINE_CORES)
    .map(
      ([label, run]) =>
        `other processes used ${run.otherCores} cores during the ${label.replace("Run", "")} run: its figures are unreliable`,
    );
  return {
    name: benchCase.name,
    reject: benchCase.reject,
    concurrency: benchCase.concurrency,
    requests: benchCase.requests,
    clients: benchCase.clients ?? benchCase.requests,
    gateway: {
      requestsPerSecond: g.requestsPerSecond,
      latencyMs: g.latencyMs,
      statuses: g.statuses,
      cpuMsPerRequest: cpu,
      cpuMsByProcess: Object.fromEntries(
        Object.entries(gatewayCpu.byName).map(([name, ms]) => [name, perEvent(ms, g.requests)]),
      ),
      consoleLinesPerRequest: perEvent(gatewayLines, g.requests),
    },
    baseline: {
      requestsPerSecond: b.requestsPerSecond,
      latencyMs: b.latencyMs,
      cpuMsPerRequest: baselineCpu,
      cpuMsByProcess: Object.fromEntries(
        Object.entries(baseline.cpu.byName).map(([name, ms]) => [name, perEvent(ms, b.requests)]),
      ),
    },
    netCpuMsPerRequest: net,
    accepted: accepted ? { name: accepted.name, netCpuMsPerEvent: acceptedNet } : null,
    ratioToAccepted: net !== null && acceptedNet ? round(net / acceptedNet) : null,
    machine,
    correct: problems.length === 0,
    problems,
    warnings,
  };
}

/** A reference run against a baseline run of the same load taken just before it (same machine state). */
function buildReferenceRun(
  kind: ReferenceRun["kind"],
  run: Measured,
  baseline: Measured,
  c32: CaseResult | undefined,
): ReferenceRun {
  const r = loadSummary(run.load, run.load.statuses["202"] ?? 0);
  const b = loadSummary(baseline.load, baseline.load.statuses["202"] ?? 0);
  const runCpu = run.cpuUntilDrained ?? run.cpu;
  const cpu = perEvent(runCpu.totalMs, r.accepted);
  const baselineCpu = perEvent(baseline.cpu.totalMs, b.requests);
  const throughputRatio =
    r.requestsPerSecond && b.requestsPerSecond ? round(r.requestsPerSecond / b.requestsPerSecond) : null;
  const warnings: string[] = [];
  for (const [label, measured] of [
    [kind, run],
    ["baseline", baseline],
  ] as const) {
    const other = machineLoad(measured).otherCores;
    if (other > BUSY_MACHINE_CORES)
      warnings.push(
        `other processes used ${other} cores during the ${label} run: its figures are unreliable`,
      );
  }
  if (r.errors > 0 || r.accepted !== REFERENCE.requests)
    warnings.push(`${r.errors} errors, ${r.accepted} accepted`);
  return {
    kind,
    requestsPerSecond: r.requestsPerSecond,
    baselineRequestsPerSecond: b.requestsPerSecond,
    latencyMs: r.latencyMs,
    errors: r.errors,
    cpuMsPerAcceptedEvent: cpu,
    baselineCpuMsPerRequest: baselineCpu,
    cpuMsByProcess: Object.fromEntries(
      Object.entries(runCpu.byName).map(([name, ms]) => [name, perEvent(ms, r.accepted)]),
    ),
    netCpuMsPerAcceptedEvent: cpu !== null && baselineCpu !== null ? round(cpu - baselineCpu) : null,
    throughputRatio,
    p99Ratio: r.latencyMs.p99 !== null && b.latencyMs.p99 ? round(r.latencyMs.p99 / b.latencyMs.p99) : null,
    // Each ratio against its own baseline run, so a machine that changed speed between them cancels out.
    gatewayRatioOverThis:
      c32?.throughputRatio && throughputRatio ? round(c32.throughputRatio / throughputRatio) : null,
    peakRssMB: round(run.peakRssBytes / 2 ** 20),
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------
// The run.

/** The inspector proxy can be slow to answer right after heavy load: a few bounded attempts. */
async function connectWithRetries(port: number): Promise<Inspector> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await Inspector.connect(port, 10_000);
    } catch (error) {
      lastError = error;
      await sleep(1000);
    }
  }
  throw lastError;
}

function fmt(value: number | null, unit = ""): string {
  return value === null ? "—" : `${value}${unit}`;
}

function printCase(r: CaseResult): void {
  const g = r.gateway;
  const b = r.baseline;
  console.log(
    `  ${r.name.padEnd(16)} gateway ${fmt(g.acceptedPerSecond).padStart(5)} ev/s p50/p95/p99 ${fmt(g.latencyMs.p50)}/${fmt(g.latencyMs.p95)}/${fmt(g.latencyMs.p99)} ms` +
      ` | baseline ${fmt(b.requestsPerSecond).padStart(5)} req/s p99 ${fmt(b.latencyMs.p99)} ms` +
      ` | e2e p50/p99 ${fmt(g.delivery.endToEndMs.p50)}/${fmt(g.delivery.endToEndMs.p99)} ms` +
      ` | CPU ${fmt(g.cpuMsPerAcceptedEvent)} − ${fmt(b.cpuMsPerRequest)} = net ${fmt(r.netCpuMsPerAcceptedEvent)} ms/ev` +
      (r.correct ? "" : "  ✘ INCORRECT") +
      (r.warnings.length > 0 ? `  (! ${r.warnings.join("; ")})` : ""),
  );
}

function printRejection(r: RejectionResult): void {
  const g = r.gateway;
  const statuses = Object.entries(g.statuses)
    .map(([status, n]) => `${n}×${status}`)
    .join(" ");
  console.log(
    `  ${r.name.padEnd(22)} gateway ${fmt(g.requestsPerSecond).padStart(5)} req/s p50/p99 ${fmt(g.latencyMs.p50)}/${fmt(g.latencyMs.p99)} ms (${statuses})` +
      ` | baseline ${fmt(r.baseline.requestsPerSecond).padStart(5)} req/s` +
      ` | CPU ${fmt(g.cpuMsPerRequest)} − ${fmt(r.baseline.cpuMsPerRequest)} = net ${fmt(r.netCpuMsPerRequest)} ms/req` +
      ` = ${fmt(r.ratioToAccepted)}× an accepted event's ${fmt(r.accepted?.netCpuMsPerEvent ?? null)} ms` +
      (r.correct ? "" : `  ✘ ${r.problems.join("; ")}`) +
      (r.warnings.length > 0 ? `  (! ${r.warnings.join("; ")})` : ""),
  );
}

function printReference(r: ReferenceRun): void {
  console.log(
    `  ${`2kb-c32 ${r.kind}`.padEnd(24)} ${fmt(r.requestsPerSecond).padStart(5)} ev/s p99 ${fmt(r.latencyMs.p99)} ms | its baseline ${fmt(r.baselineRequestsPerSecond)} req/s: ratio ${fmt(r.throughputRatio)}, p99 ${fmt(r.p99Ratio)}× | CPU net ${fmt(r.netCpuMsPerAcceptedEvent)} ms/ev` +
      (r.warnings.length > 0 ? `  (! ${r.warnings.join("; ")})` : ""),
  );
}

async function main(): Promise<number> {
  const started = Date.now();
  const watchdog = setTimeout(() => {
    console.error(`\nbench: still running after ${OVERALL_TIMEOUT_MS / 1000} s, giving up`);
    void exitWith(2);
  }, OVERALL_TIMEOUT_MS);
  watchdog.unref();

  const vars: Record<string, string> = {};
  for (const entry of options.var ?? []) {
    const at = entry.indexOf("=");
    if (at <= 0) throw new Error(`--var expects NAME=VALUE, got "${entry}"`);
    vars[entry.slice(0, at)] = entry.slice(at + 1);
  }
  const batchTimeout = options["batch-timeout"] === undefined ? null : Number(options["batch-timeout"]);
  if (batchTimeout !== null && !(batchTimeout >= 0 && batchTimeout <= 60))
    throw new Error("--batch-timeout must be between 0 and 60 seconds");
  const wanted = options.cases?.split(",");
  const cases = wanted ? CASES.filter((c) => wanted.includes(c.name)) : CASES;
  const rejectionCases = wanted ? REJECTION_CASES.filter((c) => wanted.includes(c.name)) : REJECTION_CASES;
  const unknown =
    wanted?.filter((name) => ![...CASES, ...REJECTION_CASES].some((c) => c.name === name)) ?? [];
  if (unknown.length > 0) throw new Error(`--cases: no case named ${unknown.join(", ")}`);
  const ingestOnly = options["ingest-only"] ?? false;
  const profile = options.profile && !options["no-profile"];

  const workDir = await mkdtemp(join(tmpdir(), "hookgate-bench-"));
  cleanups.push({ name: "temporary state", run: () => rm(workDir, { recursive: true, force: true }) });
  const githubSecret = `bench-github-${randomBytes(12).toString("hex")}`;
  const agentSecret = `whsec_${randomBytes(24).toString("base64")}`;

  const sink = await startAgentSink(0);
  cleanups.push({
    name: "agent sink",
    run: () => closeAgentSink(sink.server),
  });
  const ledger = new DeliveryLedger(sink.deliveries, agentSecret);
  const floorSink = await startAgentSink(0);
  cleanups.push({
    name: "delivering floor's sink",
    run: () => closeAgentSink(floorSink.server),
  });

  const gatewayVars = {
    GITHUB_WEBHOOK_SECRET: githubSecret,
    // Only so that /webhooks/stripe is configured for reject-many-sigs; nothing is ever signed with it.
    STRIPE_WEBHOOK_SECRET: `bench-stripe-${randomBytes(12).toString("hex")}`,
    AGENT_ENDPOINT_URL: `http://127.0.0.1:${sink.port}/agent/bench`,
    AGENT_SIGNING_SECRET: agentSecret,
    ...vars,
  };
  const gatewayLog = new LogCounter();
  const baselineLog = new LogCounter();
  const ingestLog = new LogCounter();
  const floorLog = new LogCounter();
  const deliveringFloorLog = new LogCounter();
  console.log(`bench: starting the gateway and the baseline under wrangler dev (state in ${workDir})`);
  const runtimes = await prepareRuntimes(
    {
      repo: REPO,
      workDir,
      vars: gatewayVars,
      batchTimeoutSeconds: batchTimeout,
      withoutConsumer: ingestOnly,
      gatewayLog,
      baselineLog,
      ingestLog,
      floorLog,
      deliveringFloorLog,
      startupTimeoutMs: STARTUP_TIMEOUT_MS,
    },
    (runtime) =>
      cleanups.push({ name: `wrangler dev (${runtime.label})`, run: () => stopRuntime(runtime.dev) }),
  );
  const gateway = await runtimes.startGateway(false);
  const baseline = await runtimes.startBaseline();
  console.log(
    `  both up in ${((Date.now() - started) / 1000).toFixed(1)} s: gateway ${gateway.base}, baseline ${baseline.base}`,
  );
  const meterOf = (runtime: Runtime) =>
    new RuntimeMeter(runtime.dev.child.pid ?? runtime.dev.pgid, runtime.dev.pgid);
  const meters = { gateway: meterOf(gateway), baseline: meterOf(baseline) };

  let seed = 1;
  const context = (query?: string): CaseContext => ({
    workDir,
    secret: githubSecret,
    seed: seed++,
    ledger,
    meters,
    awaitDelivery: !ingestOnly,
    floorDeliveries: floorSink.deliveries,
    ...(query ? { query } : {}),
  });
  // Warm-up: compiles the code paths and opens every ledger shard; checked like a case, not reported.
  const warmB = await measureCase(baseline, baselineLog, WARMUP, context());
  const warmG = await measureCase(gateway, gatewayLog, WARMUP, context());
  const warm = buildCaseResult(WARMUP, warmG, warmB, ledger, !ingestOnly);
  console.log(`  warm-up: ${warm.correct ? "ok" : `PROBLEMS: ${warm.problems.join("; ")}`}`);
  // What each runtime burns doing nothing (timers, wrangler's own work), after the warm-up drained.
  const idleBefore = { gateway: meters.gateway.cpu(), baseline: meters.baseline.cpu() };
  await sleep(IDLE_SAMPLE_MS);
  const idle = (before: Cpu, after: Cpu) => {
    const delta = cpuDelta(before, after);
    const perSecond = (ms: number) => round((ms * 1000) / IDLE_SAMPLE_MS);
    return {
      totalMs: perSecond(delta.totalMs),
      byProcess: Object.fromEntries(Object.entries(delta.byName).map(([name, ms]) => [name, perSecond(ms)])),
    };
  };
  const idleCpuMsPerSecond = {
    gateway: idle(idleBefore.gateway, meters.gateway.cpu()),
    baseline: idle(idleBefore.baseline, meters.baseline.cpu()),
  };

  const results: CaseResult[] = [];
  for (const benchCase of cases) {
    const b = await measureCase(baseline, baselineLog, benchCase, context());
    const g = await measureCase(gateway, gatewayLog, benchCase, context());
    const result = buildCaseResult(benchCase, g, b, ledger, !ingestOnly);
    results.push(result);
    printCase(result);
  }
  const acceptedReference =
    results.find((r) => r.name === REFERENCE.name) ??
    results.find((r) => r.size === "2kb" && r.duplicateShare === 0 && !r.rate);
  const rejections: RejectionResult[] = [];
  for (const benchCase of rejectionCases) {
    const b = await measureCase(baseline, baselineLog, benchCase, context());
    const g = await measureCase(gateway, gatewayLog, benchCase, context());
    const result = buildRejectionResult(benchCase, g, b, acceptedReference);
    rejections.push(result);
    printRejection(result);
  }

  // What a console.log line costs on this runtime: the baseline again, printing N lines per request.
  const calibration = await measureCase(
    baseline,
    baselineLog,
    LOG_CALIBRATION,
    context(`?log=${LOG_CALIBRATION_LINES}`),
  );
  const plain = results.find((r) => r.name === "2kb-c32")?.baseline.cpuMsPerRequest ?? null;
  const withLogs = perEvent(calibration.cpu.totalMs, calibration.load.latenciesMs.length);
  const logLine: LogLineCost = {
    linesPerRequest: LOG_CALIBRATION_LINES,
    baselineCpuMsPerRequest: plain,
    withLogsCpuMsPerRequest: withLogs,
    cpuMsPerLine:
      plain !== null && withLogs !== null ? round((withLogs - plain) / LOG_CALIBRATION_LINES) : null,
    byProcess: Object.fromEntries(
      Object.entries(calibration.cpu.byName).map(([name, ms]) => [
        name,
        perEvent(ms, calibration.load.latenciesMs.length),
      ]),
    ),
  };
  console.log(
    `  log calibration: the baseline printing ${LOG_CALIBRATION_LINES} lines/request costs ${withLogs} ms vs ${plain} ms: ${logLine.cpuMsPerLine} ms per console.log line`,
  );

  const peakOpenFiles = {
    gateway: Object.fromEntries(meters.gateway.peakFds),
    baseline: Object.fromEntries(meters.baseline.peakFds),
  };
  const peakRssMB = {
    gateway: meters.gateway
      .processes()
      .map((p) => ({ process: p.name, peakRssMB: round(p.peakRssBytes / 2 ** 20) })),
    baseline: meters.baseline
      .processes()
      .map((p) => ({ process: p.name, peakRssMB: round(p.peakRssBytes / 2 ** 20) })),
  };
  await stopRuntime(gateway.dev);

  // Ingest alone and the durable floor, each with the machine to itself like the gateway had, right
  // after a baseline run of its own so that both see the machine in the same state.
  const references: ReferenceRun[] = [];
  const c32 = results.find((r) => r.name === REFERENCE.name);
  if (c32 && !ingestOnly) {
    const runs = [
      { kind: "ingest only", start: runtimes.startIngestOnly, log: ingestLog },
      { kind: "durable floor", start: runtimes.startFloor, log: floorLog },
      {
        kind: "delivering floor",
        start: () => runtimes.startDeliveringFloor(`http://127.0.0.1:${floorSink.port}/agent/floor`),
        log: deliveringFloorLog,
      },
    ] as const;
    for (const { kind, start, log } of runs) {
      let runtime: Runtime | null = null;
      try {
        runtime = await start();
        const both = { baseline: meters.baseline, [runtime.label]: meterOf(runtime) };
        const b = await measureCase(baseline, baselineLog, REFERENCE, { ...context(), meters: both });
        const r = await measureCase(runtime, log, REFERENCE, { ...context(), meters: both });
        references.push(buildReferenceRun(kind, r, b, c32));
        printReference(references.at(-1) as ReferenceRun);
      } catch (error) {
        console.log(`  (${kind} could not be measured: ${error instanceof Error ? error.message : error})`);
      } finally {
        if (runtime) await stopRuntime(runtime.dev);
      }
    }
  }

  // The profile runs on a fresh gateway (same persisted state) with its DevTools port exposed: with a
  // DevTools client attached, wrangler's inspector proxy opens thousands of file descriptors, which
  // must not touch the figures above.
  let profileSummary: ProfileSummary | null = null;
  let profiled: ProfiledRun | null = null;
  if (profile) {
    let profiling: Runtime | null = null;
    try {
      profiling = await runtimes.startGateway(true);
      if (profiling.inspectorPort === null) throw new Error("no inspector port");
      meters.gateway = meterOf(profiling);
      const inspector = await connectWithRetries(profiling.inspectorPort);
      const stop = await startProfiling(inspector, 250);
      const g = await measureCase(profiling, gatewayLog, PROFILED, context());
      const cpuProfile = await stop();
      const accepted = g.load.acks.length;
      const delivery = deliverySummary(g.load, ledger, g.drainedAt ?? Date.now());
      const c = delivery.correctness;
      profiled = {
        name: PROFILED.name,
        accepted,
        acceptedPerSecond: loadSummary(g.load, accepted).acceptedPerSecond,
        correct:
          accepted === PROFILED.requests && (ingestOnly || c.missing + c.duplicated + c.badSignatures === 0),
      };
      const source = await moduleResolver(inspector, cpuProfile);
      inspector.close();
      profileSummary = summarise(cpuProfile, source, [
        "receiveWebhook",
        "claimEvent",
        "accept",
        "drainOutbox",
        "recordAccepted",
        "deliverBatch",
        "beginDeliveries",
        "settleDeliveries",
        "runHandler",
        "forward",
        "recordOutcomes",
        "log",
      ]);
      mkdirSync(join(REPO, "bench/results/tmp"), { recursive: true });
      writeFileSync(join(REPO, "bench/results/tmp/gateway.cpuprofile"), JSON.stringify(cpuProfile));
      console.log(
        `  profiled ${PROFILED.name}: ${Math.round(profileSummary.busyMs)} of ${Math.round(profileSummary.sampledMs)} ms sampled were busy (bench/results/tmp/gateway.cpuprofile)`,
      );
    } catch (error) {
      console.log(`  (profiling failed: ${error instanceof Error ? error.message : error})`);
      for (const line of gatewayLog.tail.filter((l) => !l.includes('"stage":"')).slice(-10))
        console.log(`    ${line}`);
    } finally {
      if (profiling) await stopRuntime(profiling.dev);
    }
  }

  const allCorrect =
    results.every((r) => r.correct) &&
    rejections.every((r) => r.correct) &&
    warm.correct &&
    (profiled?.correct ?? true);
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine: machineInfo(REPO),
    settings: {
      vars: Object.fromEntries(Object.entries(vars)),
      maxBatchTimeoutSeconds:
        batchTimeout ??
        Number(/^max_batch_timeout = (.*)$/m.exec(readFileSync(join(REPO, "wrangler.toml"), "utf8"))?.[1]),
      claimShards: Number(
        vars.CLAIM_SHARDS ??
          /^CLAIM_SHARDS = "(\d+)"/m.exec(readFileSync(join(REPO, "wrangler.toml"), "utf8"))?.[1],
      ),
      idleCpuMsPerSecond,
      ingestOnly,
    },
    cases: results,
    rejections,
    references,
    logLine,
    peakRssMB,
    peakOpenFiles,
    profiledRun: profiled,
    profile: profileSummary,
    ledger: { unknownDeliveries: ledger.unknown, badSignatures: ledger.badSignatures },
    targets: judgeTargets(results, references),
    storageWork: null,
    correct: allCorrect && ledger.unknown === 0,
    durationSeconds: 0,
  };
  await stopRuntime(baseline.dev);
  if (!options["no-storage"]) {
    try {
      report.storageWork = await measureStorageWork(REPO, 180_000);
      console.log("  storage work per event measured in workerd (bench/storage-work.perf.ts)");
    } catch (error) {
      console.log(`  (storage measurement failed: ${error instanceof Error ? error.message : error})`);
    }
  }
  report.durationSeconds = round((Date.now() - started) / 1000) ?? 0;
  const latest = join(REPO, "bench/results/latest.md");
  const previous = previousFigures(existsSync(latest) ? readFileSync(latest, "utf8") : "");
  const files = writeReport(REPO, report, options.label);
  console.log("");
  if (report.storageWork) {
    const c32 = report.settings.ingestOnly ? null : (results.find((c) => c.name === "2kb-c32") ?? null);
    printFigures(leanFigures(report.storageWork, c32, c32 ? references : []), previous);
    console.log("");
  }
  for (const target of report.targets)
    console.log(`  ${target.met ? "✔" : "✘"} ${target.name}: ${target.detail}`);
  console.log(`\n  results: ${files.join(", ")}  (${report.durationSeconds} s in all)`);
  if (!report.correct) {
    console.log(`\n${"!".repeat(100)}`);
    console.log(
      "!!  BENCH CORRECTNESS FAILURE: not every accepted event was delivered exactly once, or a rejection case got an answer other than 401/429",
    );
    for (const r of [...results, warm, ...rejections])
      for (const p of r.problems) console.log(`!!    ${r.name}: ${p}`);
    if (ledger.unknown > 0) console.log(`!!    ${ledger.unknown} deliveries were not Hookgate envelopes`);
    console.log("!".repeat(100));
    for (const line of gatewayLog.tail.slice(-20)) console.log(`    ${line}`);
    return 1;
  }
  return 0;
}

try {
  const code = await main();
  await exitWith(code);
} catch (error) {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await exitWith(2);
}
