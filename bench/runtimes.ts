/**
 * Starts the two Workers the benchmark compares, each under its own `wrangler dev` on 127.0.0.1:
 * the gateway (with fresh persisted state and the vars it needs) and the baseline.
 * Both run from a snapshot of their sources in a temporary directory: wrangler dev reloads on every
 * source change, and a reload in the middle of a case (someone editing src/) would restart workerd and
 * lose the local queue's in-memory messages.
 */

import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import getPort from "get-port";
import {
  type LocalDevOptions,
  localDevArgs,
  spawnWrangler,
  type WranglerDev,
  waitUntilHealthy,
} from "../scripts/wrangler-dev-process.ts";

/** get-port options: free ports on the loopback address every runtime binds to. */
const LOOPBACK = { host: "127.0.0.1" };

export interface Runtime {
  label: "gateway" | "baseline" | "ingest" | "floor" | "delivering floor";
  dev: WranglerDev;
  base: string;
  inspectorPort: number | null;
}

/** What one runtime printed during one case. */
export interface LogCounts {
  lines: number;
  byStage: Record<string, number>;
  outboxSends: number;
  outboxMessages: number;
  queueBatches: number;
  queueMessages: number;
  queueBatchMs: number[];
  errors: number;
}

/** Counts what the gateway prints per case: its JSON lines by stage, plus wrangler's own lines. */
export class LogCounter implements LogCounts {
  lines = 0;
  byStage: Record<string, number> = {};
  outboxSends = 0;
  outboxMessages = 0;
  queueBatches = 0;
  queueMessages = 0;
  queueBatchMs: number[] = [];
  errors = 0;
  readonly tail: string[] = [];

  reset(): void {
    this.lines = 0;
    this.byStage = {};
    this.outboxSends = 0;
    this.outboxMessages = 0;
    this.queueBatches = 0;
    this.queueMessages = 0;
    this.queueBatchMs = [];
    this.errors = 0;
  }

  counts(): LogCounts {
    const { tail: _tail, ...counts } = this;
    return structuredClone(counts);
  }

  add(line: string): void {
    this.tail.push(line);
    if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200);
    this.lines++;
    // Hookgate's lines are JSON objects that open with `ts` and carry `stage` (src/shared/log.ts).
    const json = line.includes('"stage":"') ? line.indexOf('{"') : -1;
    if (json >= 0) {
      try {
        const entry = JSON.parse(line.slice(json)) as { stage: string; outcome?: string; count?: number };
        this.byStage[entry.stage] = (this.byStage[entry.stage] ?? 0) + 1;
        if (line.includes('"level":"error"')) this.errors++;
        if (entry.stage === "outbox" && entry.outcome === "enqueued") {
          this.outboxSends++;
          this.outboxMessages += entry.count ?? 0;
        }
      } catch {}
      return;
    }
    const batch = /QUEUE hookgate-events(?:-\d+)? (\d+)\/(\d+)(?: \((\d+)ms\))?/.exec(line);
    if (batch) {
      this.queueBatches++;
      this.queueMessages += Number(batch[2]);
      if (batch[3]) this.queueBatchMs.push(Number(batch[3]));
      return;
    }
    if (line.includes("[wrangler:info]"))
      this.byStage["wrangler:request"] = (this.byStage["wrangler:request"] ?? 0) + 1;
    else if (/ERROR|✘/.test(line)) this.errors++;
  }
}

/** Copies what wrangler needs to build the gateway, and links node_modules instead of copying it. */
function snapshotGateway(
  repo: string,
  dir: string,
  batchTimeoutSeconds: number | null,
  withoutConsumer: boolean,
): void {
  mkdirSync(dir, { recursive: true });
  for (const entry of ["src", "package.json", "tsconfig.json"]) {
    cpSync(join(repo, entry), join(dir, entry), { recursive: true });
  }
  let config = readFileSync(join(repo, "wrangler.toml"), "utf8");
  if (batchTimeoutSeconds !== null) {
    config = config.replace(/^max_batch_timeout = .*$/gm, `max_batch_timeout = ${batchTimeoutSeconds}`);
  }
  if (withoutConsumer) {
    // Ingest only (every queue's consumer left out): events pile up in the local queues, so the load measures verify, claim and enqueue alone.
    config = config.replace(/^\[\[queues\.consumers\]\][\s\S]*?(?=^\[)/gm, "");
  }
  writeFileSync(join(dir, "wrangler.toml"), config);
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
}

/** The baseline (bench/baseline) or the durable floor (bench/floor): small Workers with their own config. */
function snapshotBenchWorker(repo: string, name: "baseline" | "floor", dir: string): void {
  cpSync(join(repo, "bench", name), dir, {
    recursive: true,
    filter: (source) => !source.includes(".wrangler"),
  });
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"), "dir");
}

export interface StartOptions {
  repo: string;
  workDir: string;
  vars: Record<string, string>;
  batchTimeoutSeconds: number | null;
  /** Leaves out the queue consumer (the `--ingest-only` experiment). */
  withoutConsumer: boolean;
  gatewayLog: LogCounter;
  baselineLog: LogCounter;
  ingestLog: LogCounter;
  floorLog: LogCounter;
  deliveringFloorLog: LogCounter;
  startupTimeoutMs: number;
}

/** Starts and restarts the two runtimes; the caller stops each with `stopRuntime`. */
export interface Runtimes {
  /** A gateway on the persisted state; `withInspector` exposes its DevTools port for profiling. */
  startGateway(withInspector: boolean): Promise<Runtime>;
  startBaseline(): Promise<Runtime>;
  /** The gateway without its queue consumer, on the same state: verify, claim and enqueue alone. */
  startIngestOnly(): Promise<Runtime>;
  startFloor(): Promise<Runtime>;
  /** The durable floor that also POSTs every event to `forwardTo` (bench/floor's FLOOR_FORWARD_URL). */
  startDeliveringFloor(forwardTo: string): Promise<Runtime>;
}

/**
 * Snapshots the three Workers (the gateway twice: with and without its consumer). Start the runtimes one after the
 * other: wrangler picks further ports of its own while starting, and two starting side by side can
 * pick the same one ("Address already in use").
 */
export async function prepareRuntimes(
  options: StartOptions,
  onStarted: (runtime: Runtime) => void,
): Promise<Runtimes> {
  const { repo, workDir } = options;
  const gatewayDir = join(workDir, "gateway");
  const baselineDir = join(workDir, "baseline");
  snapshotGateway(repo, gatewayDir, options.batchTimeoutSeconds, options.withoutConsumer);
  snapshotBenchWorker(repo, "baseline", baselineDir);
  const ingestDir = join(workDir, "gateway-ingest");
  snapshotGateway(repo, ingestDir, options.batchTimeoutSeconds, true);
  const floorDir = join(workDir, "floor");
  snapshotBenchWorker(repo, "floor", floorDir);
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    // A registry of our own, so no other local `wrangler dev` can receive our queue or DO calls.
    WRANGLER_REGISTRY_PATH: join(workDir, "registry"),
    WRANGLER_LOG_PATH: join(workDir, "logs"),
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  const stateDir = join(workDir, "state");
  const start = async (
    label: Runtime["label"],
    dir: string,
    state: Pick<LocalDevOptions, "stateDir" | "vars">,
    log: LogCounter,
    withInspector: boolean,
  ): Promise<Runtime> => {
    // get-port locks what it hands out, so two runtimes started side by side never share a port (and
    // wrangler's default inspector port, 9229, is never assumed free).
    const [port, inspectorPort] = [await getPort(LOOPBACK), await getPort(LOOPBACK)];
    const args = localDevArgs({ port, inspectorPort, ...state });
    const runtime: Runtime = {
      label,
      dev: spawnWrangler(args, { repo: dir, label, env, onLine: (line) => log.add(line) }),
      base: `http://127.0.0.1:${port}`,
      inspectorPort: withInspector ? inspectorPort : null,
    };
    onStarted(runtime);
    try {
      await waitUntilHealthy(runtime.dev, runtime.base, options.startupTimeoutMs);
    } catch (error) {
      const tail = log.tail.slice(-15).join("\n    ");
      throw new Error(`${label}: ${error instanceof Error ? error.message : error}\n    ${tail}`);
    }
    return runtime;
  };
  const gateway = { stateDir, vars: options.vars };
  return {
    startGateway: (withInspector) => start("gateway", gatewayDir, gateway, options.gatewayLog, withInspector),
    startIngestOnly: () => start("ingest", ingestDir, gateway, options.ingestLog, false),
    startBaseline: () =>
      start(
        "baseline",
        baselineDir,
        { stateDir: join(workDir, "baseline-state") },
        options.baselineLog,
        false,
      ),
    startFloor: () =>
      start("floor", floorDir, { stateDir: join(workDir, "floor-state") }, options.floorLog, false),
    startDeliveringFloor: (forwardTo) =>
      start(
        "delivering floor",
        floorDir,
        { stateDir: join(workDir, "delivering-floor-state"), vars: { FLOOR_FORWARD_URL: forwardTo } },
        options.deliveringFloorLog,
        false,
      ),
  };
}
