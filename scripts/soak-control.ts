/**
 * `npm run soak:control -- [--minutes 3] [--rate 40] [--log 0] [--heap]`: the soak's memory report for
 * the bare baseline Worker (bench/baseline, a Hono app that answers 202), so that what `wrangler dev`
 * itself keeps per request can be told apart from what Hookgate keeps.
 *
 * Starts `wrangler dev --persist-to <tmp>` on a snapshot of bench/baseline, posts `--rate` GitHub
 * payloads per second (the soak's fixture, unsigned: the baseline verifies nothing) to
 * `/webhooks/github?log=N`, where the Worker prints N JSON lines per request, and samples the runtime's
 * memory every ~15 s as scripts/soak.ts does. `--heap` keeps a DevTools client attached to read the
 * Worker's heap (see scripts/runtime-memory.ts for why that is opt-in). Exits 0 when the run completed,
 * 2 when it could not be carried out; memory is reported, not judged. Every wait is bounded and the
 * runtime and its state are removed on every exit path.
 */

import { readFileSync } from "node:fs";
import { cp, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import getPort from "get-port";
import { compactMemory, MemoryProbe, type MemorySample, memoryRows } from "./runtime-memory.ts";
import {
  localDevArgs,
  spawnWrangler,
  stopAllRuntimes,
  stopRuntime,
  waitUntilHealthy,
} from "./wrangler-dev-process.ts";

/** get-port options: free ports on the loopback address every runtime binds to. */
const LOOPBACK = { host: "127.0.0.1" };
const SAMPLE_EVERY_MS = 15_000;
const STARTUP_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_IN_FLIGHT = 64;
/** bench/baseline prints at most 10 lines per request. */
const MAX_LOG_LINES = 10;

const REPO = fileURLToPath(new URL("../", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function options(): { minutes: number; rate: number; log: number; heap: boolean } {
  const { values } = parseArgs({
    options: {
      minutes: { type: "string" },
      rate: { type: "string" },
      log: { type: "string" },
      heap: { type: "boolean" },
    },
    strict: true,
  });
  const minutes = Number(values.minutes ?? 3);
  const rate = Number(values.rate ?? 40);
  const log = Number(values.log ?? 0);
  if (!(minutes > 0 && minutes <= 120)) throw new Error("--minutes must be in (0, 120]");
  if (!(rate > 0 && rate <= 1_000)) throw new Error("--rate must be in (0, 1000] requests/s");
  if (!(Number.isInteger(log) && log >= 0 && log <= MAX_LOG_LINES))
    throw new Error(`--log must be an integer in [0, ${MAX_LOG_LINES}]`);
  return { minutes, rate, log, heap: values.heap ?? false };
}

async function main(): Promise<void> {
  const { minutes, rate, log, heap } = options();
  const workDir = await mkdtemp(join(tmpdir(), "hookgate-soak-control-"));
  const cleanups: (() => Promise<unknown>)[] = [() => rm(workDir, { recursive: true, force: true })];
  const cleanUp = async () => {
    for (const run of cleanups.splice(0).reverse()) await run().catch(() => {});
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const)
    process.once(signal, () => void cleanUp().then(() => process.exit(130)));
  try {
    const workerDir = join(workDir, "baseline");
    await cp(join(REPO, "bench/baseline"), workerDir, {
      recursive: true,
      filter: (source) => !source.includes(".wrangler"),
    });
    await symlink(join(REPO, "node_modules"), join(workerDir, "node_modules"), "dir");
    const stateDir = join(workDir, "state");
    const [port, inspectorPort] = [await getPort(LOOPBACK), await getPort(LOOPBACK)];
    const base = `http://127.0.0.1:${port}`;
    let runtimeLines = 0;
    const tail: string[] = [];
    cleanups.push(stopAllRuntimes);
    const dev = spawnWrangler(localDevArgs({ port, inspectorPort, stateDir }), {
      repo: workerDir,
      label: "baseline",
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_REGISTRY_PATH: join(workDir, "registry"),
        WRANGLER_LOG_PATH: join(workDir, "logs"),
        NO_COLOR: "1",
        FORCE_COLOR: "0",
      },
      onLine: (line) => {
        runtimeLines++;
        tail.push(line);
        if (tail.length > 40) tail.shift();
      },
    });
    try {
      await waitUntilHealthy(dev, base, STARTUP_TIMEOUT_MS);
    } catch (error) {
      for (const line of tail) console.error(`  ${line}`);
      throw error;
    }
    console.log(
      `soak:control: baseline Worker, ${minutes} min at ${rate} requests/s, ${log} log lines per request, heap probe ${heap ? "on" : "off"}`,
    );

    const probe = await MemoryProbe.attach(dev, { inspectorPort: heap ? inspectorPort : null, stateDir });
    cleanups.push(async () => probe.close());
    const fixture: { body: Record<string, unknown> } = JSON.parse(
      readFileSync(join(REPO, "test/fixtures/github/issues.opened.json"), "utf8"),
    );
    const url = `${base}/webhooks/github?log=${log}`;
    let ok = 0;
    let failed = 0;
    let inFlight = 0;
    const post = async (n: number) => {
      const issue = { ...(fixture.body.issue as object), number: n, title: `soak ${n}` };
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...fixture.body, issue }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        await response.body?.cancel();
        if (response.status === 202) ok++;
        else failed++;
      } catch {
        failed++;
      }
    };

    const started = Date.now();
    const samples: MemorySample[] = [await probe.sample(0)];
    console.log(`  ${seconds(0).padStart(7)}  ${compactMemory(samples[0] as MemorySample)}`);
    let sent = 0;
    let sampling = false;
    const progress = setInterval(async () => {
      if (sampling) return;
      sampling = true;
      const sample = await probe.sample(Date.now() - started);
      sampling = false;
      samples.push(sample);
      console.log(
        `  ${seconds(sample.atMs).padStart(7)}  sent ${sent}  202 ${ok}  failed ${failed}  runtime lines ${runtimeLines}  ${compactMemory(sample)}`,
      );
    }, SAMPLE_EVERY_MS);
    cleanups.push(async () => clearInterval(progress));
    const total = Math.round(minutes * 60 * rate);
    const pending = new Set<Promise<void>>();
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      while (inFlight >= MAX_IN_FLIGHT) await Promise.race(pending);
      inFlight++;
      const request = post(i).finally(() => {
        inFlight--;
        pending.delete(request);
      });
      pending.add(request);
      sent++;
    }
    await Promise.all(pending); // each request is bounded by REQUEST_TIMEOUT_MS
    clearInterval(progress);
    samples.push(await probe.sample(Date.now() - started));
    await stopRuntime(dev);

    const rows: [string, string][] = [
      ["requests answered 202 / failed", `${ok} / ${failed}`],
      ["lines the runtime printed", String(runtimeLines)],
      ["Worker heap probe", heap ? (probe.heapError ?? "attached for the whole run") : "off (--heap)"],
      ...memoryRows(samples, seconds),
    ];
    console.log("");
    for (const [name, value] of rows) console.log(`  ${name.padEnd(40)} ${value}`);
  } finally {
    await cleanUp();
  }
}

let watchdog: NodeJS.Timeout | undefined;
try {
  watchdog = setTimeout(
    () => {
      console.error("soak:control: gave up (watchdog)");
      void stopAllRuntimes().finally(() => process.exit(2));
    },
    STARTUP_TIMEOUT_MS + 180_000 + options().minutes * 60_000,
  );
  await main();
  clearTimeout(watchdog);
  process.exit(0);
} catch (error) {
  clearTimeout(watchdog);
  console.error(`soak:control: could not run: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
