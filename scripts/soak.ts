/**
 * `npm run soak -- [--minutes 10] [--rate 40] [--heap]`: does Hookgate stay exactly-once, and does the
 * runtime's memory stay flat, under minutes of steady signed load with provider resends and a flaky agent?
 *
 * 1. Starts `wrangler dev --persist-to <tmp>` on a free 127.0.0.1 port (secrets and
 *    tunables as `--var`) on a copy of the Worker taken at the start, and an agent sink in this process
 *    that answers 500 to 10% of deliveries.
 * 2. For `--minutes`, posts `--rate` signed GitHub requests per second on a fixed schedule (open loop, at
 *    most MAX_IN_FLIGHT at once): 95% distinct events, 5% resends of a recent event, some of which race
 *    their original. A failed request is retried like a provider does.
 * 3. Every ~15 s prints progress and samples the runtime's memory (scripts/runtime-memory.ts): VmRSS, and
 *    its anonymous part, per process role (wrangler's node CLI, the proxy workerd, the Worker's workerd,
 *    other = launcher and esbuild), the size of the `--persist-to` directory, and with `--heap` the Worker
 *    isolate's V8 heap (`Runtime.getHeapUsage` through a DevTools client kept attached to
 *    `--inspector-port`; no GC is forced: workerd does not answer `HeapProfiler.collectGarbage`).
 * 4. Waits (bounded) until every acked event was delivered with a 2xx and the ledger shows it settled,
 *    then prints the numbers, among them RSS per role at start, middle and end, the growth per role, and
 *    every sample as a series per role (and of the heap and the state on disk). Exits 1 if an acked event
 *    was lost or delivered (2xx) twice, or a delivery was malformed; 2 if the run itself could not be
 *    carried out. Memory growth is reported, not judged.
 * scripts/soak-control.ts prints the same memory report for the bare baseline Worker (bench/baseline) at
 * the same rate, so that what `wrangler dev` keeps per request can be told from what Hookgate keeps. It
 * keeps a lot: both workerd processes grow with every request even for the baseline, and miniflare's local
 * observability (on by default; `X_LOCAL_OBSERVABILITY=false` turns it off) adds to the Worker's workerd
 * and to the state on disk, while the Worker's heap stays flat.
 * Not part of CI (it runs for minutes). Everything binds to 127.0.0.1, every loop and wait is bounded, and
 * child processes and the temporary state are removed on success, on failure, and on SIGINT/SIGTERM.
 */

import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { cp, mkdtemp, rm, symlink } from "node:fs/promises";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import getPort from "get-port";
import { Webhook } from "standardwebhooks";
import { percentile } from "../bench/stats.ts";
import { closeAgentSink, type Delivery, startAgentSink } from "./agent-sink.ts";
import { describeLedgerRow, envelopeIdOf, isSuccessful, type SentEvent, tally } from "./crash-report.ts";
import { cleanUpOnEveryExit } from "./exit-cleanups.ts";
import { type LedgerRow, readLedgerState } from "./read-ledger-state.ts";
import {
  compactMemory,
  cpuPercent,
  describeMemory,
  MemoryProbe,
  type MemorySample,
  memoryRows,
} from "./runtime-memory.ts";
import { type RetryPolicy, sendLikeAProvider } from "./send-like-a-provider.ts";
import { signers } from "./sign-sample.ts";
import {
  localDevArgs,
  spawnWrangler,
  stopAllRuntimes,
  stopRuntime,
  waitUntilHealthy,
} from "./wrangler-dev-process.ts";

/**
 * 40 requests/s by default. On 2 cores the runtime, the sender and the sink share the CPU, and each event
 * costs an ingress request, a Durable Object claim, a queue hop, a forward (10% of them twice) and the
 * ledger's settle, nearly all on workerd's one worker thread. Measured there: 40/s keeps the runtime at ~50% of a
 * core with every event delivered within ~1 s; at 120/s it sits at ~95% and deliveries fall behind by
 * ~45 events/s. A third of saturation leaves room for retries and a busy machine, so the soak measures
 * what accumulates over time (memory, backlog), not overload. Use --rate to push harder.
 */
const DEFAULT_RATE = 40;
/** get-port options: free ports on the loopback address every runtime binds to. */
const LOOPBACK = { host: "127.0.0.1" };
const DEFAULT_MINUTES = 10;
const MAX_MINUTES = 24 * 60;
const MAX_RATE = 1_000;
const DUPLICATE_SHARE = 0.05;
const FLAKY_SHARE = 0.1;
/** Resends pick one of the last RECENT_EVENTS events: some still in flight, most already delivered. */
const RECENT_EVENTS = 200;
/** Enough for 40/s at ~1 s per request; past it the sender waits and reports that it fell behind. */
const MAX_IN_FLIGHT = 64;
const SAMPLE_EVERY_MS = 15_000;
/**
 * Backoff base 1 s instead of 5 s, capped at 16 s instead of an hour: with 10% of attempts failing, the
 * retries of a 5xx (after 1 s, then 1–2 s, 2–4 s, …) resolve during the run, so what is still undelivered
 * at the end is a real backlog, not a scheduled retry. Five failures in a row (10⁻⁵ per event) still
 * settle within ~31 s, well inside the drain; `HANDLER_MAX_ATTEMPTS` stays 8, so dead-lettering an event
 * takes eight failures in a row (10⁻⁸).
 */
const RETRY_BASE_SECONDS = 1;
const RETRY_MAX_SECONDS = 16;
const DRAIN_TIMEOUT_MS = 180_000;
const STARTUP_TIMEOUT_MS = 120_000;
const PROVIDER_RETRIES: RetryPolicy = {
  maxAttempts: 8,
  firstDelayMs: 500,
  maxDelayMs: 4_000,
  timeoutMs: 10_000,
};

const REPO = fileURLToPath(new URL("../", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`;

function options(): { minutes: number; rate: number; heap: boolean } {
  const { values } = parseArgs({
    options: { minutes: { type: "string" }, rate: { type: "string" }, heap: { type: "boolean" } },
    strict: true,
  });
  const minutes = Number(values.minutes ?? DEFAULT_MINUTES);
  const rate = Number(values.rate ?? DEFAULT_RATE);
  if (!(minutes > 0 && minutes <= MAX_MINUTES)) throw new Error(`--minutes must be in (0, ${MAX_MINUTES}]`);
  if (!(rate > 0 && rate <= MAX_RATE)) throw new Error(`--rate must be in (0, ${MAX_RATE}] events/s`);
  return { minutes, rate, heap: values.heap ?? false };
}

// ---------------------------------------------------------------------------------------------------
// Cleanup that runs on every exit path.

const { cleanups, exitWith, exiting } = cleanUpOnEveryExit("soak");
const runtimeOutput: string[] = [];
/** Error lines of the runtime by `stage/outcome`, and events the ledgers re-sent as stalled. */
const runtimeErrors = new Map<string, number>();
let redrivenStalled = 0;
/** Lines the runtime printed: wrangler's own request lines, and the Worker's console.log lines. */
let runtimeLines = 0;

function remember(line: string): void {
  runtimeLines++;
  const redriven = /"outcome":"redriven_stalled","count":(\d+)/.exec(line);
  if (redriven) redrivenStalled += Number(redriven[1]);
  if (line.includes('"level":"error"')) {
    const stage = /"stage":"([^"]+)"/.exec(line)?.[1] ?? "?";
    const outcome = /"(?:outcome|reason)":"([^"]+)"/.exec(line)?.[1] ?? "?";
    runtimeErrors.set(`${stage}/${outcome}`, (runtimeErrors.get(`${stage}/${outcome}`) ?? 0) + 1);
  }
  runtimeOutput.push(line);
  if (runtimeOutput.length > 300) runtimeOutput.splice(0, runtimeOutput.length - 300);
}

const growth = (from: MemorySample, to: MemorySample) =>
  `${(((to.totalKib - from.totalKib) / from.totalKib) * 100).toFixed(1)}%`;

// ---------------------------------------------------------------------------------------------------
// The run.

/**
 * Copies the Worker (src/, wrangler.toml, and tsconfig.json for its JSX settings) into `dir`
 * and returns the copied config.
 * `wrangler dev` watches its sources and has no flag to stop that: an edit in the repo during a long run
 * would reload the runtime, and a reload drops the local queue's in-memory messages just like a crash,
 * which this test would then report as lost events. The copy never changes, so the runtime never reloads.
 */
async function snapshotWorker(dir: string): Promise<string> {
  for (const entry of ["src", "wrangler.toml", "tsconfig.json", "package.json"])
    await cp(join(REPO, entry), join(dir, entry), { recursive: true });
  await symlink(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  return join(dir, "wrangler.toml");
}

interface PreparedEvent {
  id: string;
  headers: Record<string, string>;
  body: string;
}

function eventMaker(secret: string): (n: number) => Promise<PreparedEvent> {
  const fixture: { headers: Record<string, string>; body: Record<string, unknown> } = JSON.parse(
    readFileSync(join(REPO, "test/fixtures/github/issues.opened.json"), "utf8"),
  );
  const github = signers.github;
  if (!github) throw new Error("no GitHub signer in scripts/sign-sample.ts");
  return async (n) => {
    const issue = { ...(fixture.body.issue as object), number: n, title: `soak ${n}` };
    const body = JSON.stringify({ ...fixture.body, issue });
    const signed = await github.sign(body, secret);
    const id = signed["x-github-delivery"] ?? randomUUID();
    return {
      id,
      body,
      headers: { "content-type": "application/json", ...fixture.headers, ...signed, "x-github-delivery": id },
    };
  };
}

async function main(): Promise<number> {
  const { minutes, rate, heap } = options();
  const totalRequests = Math.max(1, Math.round(minutes * 60 * rate));
  const started = Date.now();
  const workDir = await mkdtemp(join(tmpdir(), "hookgate-soak-"));
  cleanups.push({ name: "temporary state", run: () => rm(workDir, { recursive: true, force: true }) });
  const stateDir = join(workDir, "state");

  const githubSecret = `soak-github-${randomBytes(12).toString("hex")}`;
  const agentSecret = `whsec_${randomBytes(24).toString("base64")}`;
  const verifier = new Webhook(agentSecret);

  cleanups.push({ name: "wrangler processes", run: stopAllRuntimes });

  const deliveredIds = new Set<string>();
  // Signatures are checked on arrival: Standard Webhooks' 5-minute tolerance would reject them at the end.
  const badlySigned = new Set<Delivery>();
  const sink = await startAgentSink(0, (delivery) => {
    try {
      verifier.verify(delivery.body, delivery.headers);
    } catch {
      badlySigned.add(delivery);
    }
    const id = isSuccessful(delivery) ? envelopeIdOf(delivery) : null;
    if (id) deliveredIds.add(id);
  });
  cleanups.push({
    name: "agent sink",
    run: () => closeAgentSink(sink.server),
  });

  // The same runtime set-up as scripts/crash-restart.ts: an isolated registry, no .dev.vars, only --var.
  const [port, inspectorPort] = [await getPort(LOOPBACK), await getPort(LOOPBACK)];
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_REGISTRY_PATH: join(workDir, "registry"),
    WRANGLER_LOG_PATH: join(workDir, "logs"),
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  const spawnOptions = (label: string) => ({ repo: REPO, label, env, onLine: remember });
  const vars = {
    GITHUB_WEBHOOK_SECRET: githubSecret,
    AGENT_ENDPOINT_URL: `http://127.0.0.1:${sink.port}/agent/soak?flaky=${FLAKY_SHARE}`,
    AGENT_SIGNING_SECRET: agentSecret,
    RETRY_BASE_SECONDS: String(RETRY_BASE_SECONDS),
    RETRY_MAX_SECONDS: String(RETRY_MAX_SECONDS),
  };
  const config = await snapshotWorker(join(workDir, "worker"));
  const devArgs = localDevArgs({ port, inspectorPort, stateDir, vars, extraArgs: ["--config", config] });

  console.log(
    `soak: ${minutes} min at ${rate} requests/s (${totalRequests} requests, ${DUPLICATE_SHARE * 100}% resends), agent fails ${FLAKY_SHARE * 100}% of deliveries`,
  );
  const wranglerVersion: { version?: string } = JSON.parse(
    readFileSync(join(REPO, "node_modules/wrangler/package.json"), "utf8"),
  );
  console.log(
    `  ${new Date().toISOString()}, ${availableParallelism()} cores, ${mib(totalmem() / 1024)} RAM, Node ${process.version}, wrangler ${wranglerVersion.version}`,
  );
  const dev = spawnWrangler(devArgs, spawnOptions("dev"));
  const bootStarted = Date.now();
  await waitUntilHealthy(dev, base, STARTUP_TIMEOUT_MS);
  console.log(`  wrangler dev up on ${base} in ${seconds(Date.now() - bootStarted)}`);

  const makeEvent = eventMaker(githubSecret);
  const sent = new Map<string, SentEvent>();
  const recent: PreparedEvent[] = [];
  const ackedIds = new Set<string>();
  const latencies: number[] = [];
  let windowLatencies: number[] = [];
  let resends = 0;
  let eventNumber = 0;
  let inFlight = 0;
  let maxLagMs = 0;
  let slotFreed: () => void = () => {};

  const probe = await MemoryProbe.attach(dev, { inspectorPort: heap ? inspectorPort : null, stateDir });
  cleanups.push({ name: "heap probe", run: async () => probe.close() });
  const sendStarted = Date.now();
  const samples: MemorySample[] = [await probe.sample(0)];
  console.log(`  RSS at start: ${describeMemory(samples[0] as MemorySample)}`);
  let sampling = false;
  const progress = setInterval(async () => {
    if (sampling) return; // a slow heap reading: skip this tick rather than overlap
    sampling = true;
    const sample = await probe.sample(Date.now() - sendStarted);
    sampling = false;
    const previous = samples[samples.length - 1] ?? sample;
    samples.push(sample);
    const sorted = windowLatencies.sort((a, b) => a - b);
    windowLatencies = [];
    const failed = sink.deliveries.length - sink.deliveries.filter(isSuccessful).length;
    console.log(
      `  ${seconds(sample.atMs).padStart(7)}  sent ${sent.size}  acked ${ackedIds.size}  delivered ${deliveredIds.size}  5xx ${failed}  in flight ${inFlight}  ack p50/p99 ${percentile(sorted, 50) ?? 0}/${percentile(sorted, 99) ?? 0} ms  runtime CPU ${cpuPercent(previous, sample).toFixed(0)}%  ${compactMemory(sample)}`,
    );
  }, SAMPLE_EVERY_MS);
  cleanups.push({ name: "progress timer", run: async () => clearInterval(progress) });

  const sendOne = async (job: PreparedEvent) => {
    const requestStarted = Date.now();
    const result = await sendLikeAProvider(`${base}/webhooks/github`, job, PROVIDER_RETRIES, Math.random);
    const ms = Date.now() - requestStarted;
    latencies.push(ms);
    windowLatencies.push(ms);
    const record = sent.get(job.id) ?? { id: job.id, requests: 0, answers: [] };
    record.requests += result.attempts;
    record.answers.push({ status: result.status, outcome: result.outcome });
    sent.set(job.id, record);
    if (result.status === 202 || (result.status === 200 && result.outcome === "duplicate"))
      ackedIds.add(job.id);
  };

  // Open loop: request i leaves at sendStarted + i / rate, whatever the previous ones are doing.
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < totalRequests && !exiting(); i++) {
    const due = sendStarted + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (slotFreed = resolve));
    maxLagMs = Math.max(maxLagMs, Date.now() - due);
    const resend = recent.length > 0 && Math.random() < DUPLICATE_SHARE;
    const job = resend
      ? (recent[Math.floor(Math.random() * recent.length)] as PreparedEvent)
      : await makeEvent(++eventNumber);
    if (resend) resends++;
    else {
      recent.push(job);
      if (recent.length > RECENT_EVENTS) recent.shift();
    }
    inFlight++;
    const request = sendOne(job).finally(() => {
      inFlight--;
      pending.delete(request);
      slotFreed();
    });
    pending.add(request);
  }
  await Promise.all(pending); // each request is bounded by PROVIDER_RETRIES
  const sendEnded = Date.now();
  clearInterval(progress);
  // The last sample is taken when sending ends, unless the timer just took one.
  if (sendEnded - sendStarted - (samples[samples.length - 1]?.atMs ?? 0) > 2_000)
    samples.push(await probe.sample(sendEnded - sendStarted));
  console.log(`  sending done in ${seconds(sendEnded - sendStarted)}; waiting for the backlog to drain`);

  // Drain: every acked event delivered with a 2xx, and the ledger settled (no retry left to run).
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let ledger = new Map<string, LedgerRow>();
  let ledgerReadable = true;
  for (;;) {
    const missing = [...ackedIds].filter((id) => !deliveredIds.has(id)).length;
    let unsettled = 0;
    if (ledgerReadable) {
      try {
        ledger = readLedgerState(stateDir);
        unsettled = [...ackedIds].filter((id) => ledger.get(id)?.status !== "delivered").length;
      } catch (error) {
        ledgerReadable = false;
        console.log(
          `  (cannot read the ledger while running: ${error instanceof Error ? error.message : error})`,
        );
      }
    }
    if (missing === 0 && unsettled === 0) break;
    if (Date.now() > deadline || exiting()) {
      console.log(`  drain timed out: ${missing} acked events not delivered, ${unsettled} not settled`);
      break;
    }
    await sleep(1_000);
  }
  const drainEnded = Date.now();
  const afterDrain = await probe.sample(drainEnded - sendStarted);
  probe.close();
  console.log(`  drained ${seconds(drainEnded - sendEnded)} after sending`);

  await stopRuntime(dev);
  ledger = readLedgerState(stateDir);
  const verify = (delivery: Delivery) => !badlySigned.has(delivery);

  const t = tally([...sent.values()], sink.deliveries, verify, ledger);
  const ledgerRetries = [...ackedIds].reduce(
    (n, id) => n + Math.max(0, (ledger.get(id)?.forward?.attempts ?? 1) - 1),
    0,
  );
  const dead = [...ackedIds].filter((id) => ledger.get(id)?.status === "dead").length;

  const first = samples[0] as MemorySample;
  const end = samples[samples.length - 1] as MemorySample;
  const sendSeconds = (sendEnded - sendStarted) / 1000;
  // A workerd that was not there at the start means the runtime restarted, and with it the local queue.
  const firstPids = new Set(first.processes.map((p) => p.pid));
  const newWorkerds = new Set(
    [...samples, afterDrain].flatMap((s) =>
      s.processes.filter((p) => p.role.endsWith("workerd") && !firstPids.has(p.pid)).map((p) => p.pid),
    ),
  );
  const sortedLatencies = latencies.sort((a, b) => a - b);

  const rows: [string, number | string][] = [
    ["sent (distinct events)", t.sent],
    ["resent copies (5% of requests)", resends],
    ["HTTP requests (incl. provider retries)", t.requests],
    ["requests retried after a failure", t.retriedRequests],
    ["acked (202, or 200 duplicate)", t.acked],
    ["  202 accepted", t.accepted],
    ["  200 duplicate (suppressed at ingress)", t.duplicatesSuppressed],
    ["never acked (retries exhausted)", t.unacked.length],
    ["accepted twice (two 202 for one id)", t.acceptedTwice.length],
    ["deliveries received by the sink", t.deliveries],
    ["delivered (2xx, by webhook-id)", t.delivered],
    ["deliveries answered 5xx by the flaky sink", t.failedDeliveries],
    ["  events retried after a 5xx, then delivered", t.deliveredAfterFailure.length],
    ["  retries recorded by the ledger", ledgerRetries],
    ["lost (acked, never delivered with 2xx)", t.lost.length],
    ["double-delivered (two 2xx for one webhook-id)", t.doubleDelivered.length],
    ["dead-lettered", dead],
    ["deliveries with a wrong webhook-id", t.wrongWebhookId.length],
    ["deliveries with a bad signature", t.badSignature],
    ["deliveries of unknown events", t.unknownDeliveries],
    ["acked but not settled in the ledger", t.notSettled.length],
    ["re-sent by the ledger as stalled", redrivenStalled],
    ["workerd processes started during the run", newWorkerds.size],
    ["lines the runtime printed", runtimeLines],
    ["runtime error lines", [...runtimeErrors].map(([k, n]) => `${k} ${n}`).join(", ") || "none"],
    ["throughput: requests/s (target)", `${(t.copies / sendSeconds).toFixed(1)} (${rate})`],
    ["throughput: acked distinct events/s", (t.acked / sendSeconds).toFixed(1)],
    ["throughput: 2xx deliveries/s", (t.delivered / ((drainEnded - sendStarted) / 1000)).toFixed(1)],
    ["sender fell behind schedule by at most", seconds(maxLagMs)],
    ["runtime CPU during the load (100% = one core)", `${cpuPercent(first, end).toFixed(0)}%`],
    [
      "ack latency p50 / p99 / max",
      `${percentile(sortedLatencies, 50) ?? 0} / ${percentile(sortedLatencies, 99) ?? 0} / ${sortedLatencies.at(-1) ?? 0} ms`,
    ],
    ["drain after sending", seconds(drainEnded - sendEnded)],
    ...memoryRows(samples, seconds),
    ["RSS after the drain", describeMemory(afterDrain)],
    ["Worker heap probe", heap ? (probe.heapError ?? "attached for the whole run") : "off (--heap)"],
    ["total run time", seconds(Date.now() - started)],
  ];
  console.log("");
  for (const [name, value] of rows) console.log(`  ${name.padEnd(46)} ${value}`);

  const origin = { label: "start", at: sendStarted };
  const evidence = (title: string, ids: string[]) => {
    if (ids.length === 0) return;
    console.log(
      `\n  ${title} (${ids.length}; ledger after the run, times relative to the start of the load):`,
    );
    for (const id of ids.slice(0, 25)) {
      const times = sink.deliveries
        .filter((d) => envelopeIdOf(d) === id)
        .map((d) => `${seconds(d.at - sendStarted)} ${d.status}`);
      console.log(`    ${describeLedgerRow(id, ledger.get(id), origin)} deliveries=[${times.join(", ")}]`);
    }
  };
  evidence("lost", t.lost);
  evidence("double-delivered", t.doubleDelivered);
  evidence(
    "not settled",
    t.notSettled.filter((id) => !t.lost.includes(id)),
  );

  const failed =
    t.lost.length > 0 ||
    t.doubleDelivered.length > 0 ||
    t.acceptedTwice.length > 0 ||
    t.wrongWebhookId.length > 0 ||
    t.badSignature > 0 ||
    t.unknownDeliveries > 0;
  if (newWorkerds.size > 0)
    console.log(
      "\nsoak: the runtime restarted during the run (new workerd processes): the local queue keeps its messages in memory, so a restart loses them until the ledger re-sends them as stalled",
    );
  if (failed) {
    console.log("\nsoak: FAILED (lost, double-delivered or malformed deliveries above)");
    return 1;
  }
  if (t.unacked.length > 0) {
    console.log(`\nsoak: INCONCLUSIVE: ${t.unacked.length} events never got a 2xx from the gateway`);
    return 2;
  }
  console.log(
    `\nsoak: passed: ${t.acked} acked events delivered exactly once (${t.deliveredAfterFailure.length} after a 5xx), RSS ${growth(first, end)} start→end`,
  );
  return 0;
}

let watchdog: NodeJS.Timeout | undefined;
try {
  const { minutes } = options();
  // Boot, sending, the last requests' retries, the drain, and slack for cleanup: nothing runs past it.
  const overallMs = STARTUP_TIMEOUT_MS + 90_000 + minutes * 60_000 + 120_000 + DRAIN_TIMEOUT_MS + 60_000;
  watchdog = setTimeout(() => {
    console.error(`soak: gave up after ${seconds(overallMs)}`);
    void exitWith(2);
  }, overallMs);
  const code = await main();
  clearTimeout(watchdog);
  await exitWith(code);
} catch (error) {
  clearTimeout(watchdog);
  console.error(`\nsoak: could not run: ${error instanceof Error ? error.message : String(error)}`);
  if (runtimeOutput.length > 0) console.error("last runtime output:");
  for (const line of runtimeOutput.slice(-60)) console.error(`  ${line}`);
  await exitWith(2);
}
