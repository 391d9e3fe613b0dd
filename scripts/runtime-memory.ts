/**
 * Where a `wrangler dev` runtime's memory goes over a long run: resident memory per process role
 * (wrangler's node CLI, the proxy workerd, the Worker's workerd, everything else), the Worker isolate's
 * JavaScript heap through the DevTools protocol, and the size of the persisted state on disk.
 * Used by scripts/soak.ts and scripts/soak-control.ts. Linux only (it reads /proc).
 *
 * Attaching the heap probe is not neutral, hence opt-in: wrangler's inspector proxy (InspectorProxyWorker,
 * in the proxy workerd) keeps every DevTools event of the Worker (one per console.log among them) in a
 * buffer while no DevTools client is connected, and forwards them to the client once one is. In 3-minute
 * runs the proxy's RSS grew about the same either way.
 */
import { type Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Inspector } from "../bench/cpu-profile.ts";
import { RuntimeMeter } from "../bench/process-stats.ts";
import type { WranglerDev } from "./wrangler-dev-process.ts";

const ROLES = ["wrangler", "proxy workerd", "worker workerd", "other"] as const;
type Role = (typeof ROLES)[number];

/** bench/process-stats.ts names each process after what it does; these are the four we report. */
function roleOf(name: string): Role {
  if (name === "wrangler (node)") return "wrangler";
  if (name === "workerd (proxy)") return "proxy workerd";
  if (name === "workerd (worker)") return "worker workerd";
  return "other"; // wrangler's launcher, esbuild
}

export interface ProcessMemory {
  role: Role;
  pid: number;
  /** VmRSS, and its anonymous part (RssAnon: heap and stacks, not mapped files), in KiB. */
  kib: number;
  anonKib: number;
  cpuMs: number;
}

export interface MemorySample {
  atMs: number;
  processes: ProcessMemory[];
  totalKib: number;
  /**
   * The Worker isolate's V8 heap (`Runtime.getHeapUsage`), in bytes: used (live objects and garbage not yet
   * collected; workerd never answers `HeapProfiler.collectGarbage`, so no GC is forced), the heap's size,
   * and what lives outside it (ArrayBuffer backing stores). Null without the probe or if it failed.
   */
  heap: { usedBytes: number; totalBytes: number; backingStoreBytes: number } | null;
  /** Bytes in the `--persist-to` directory (SQLite files of the Durable Objects, D1, …); null if none. */
  stateBytes: number | null;
}

function rssAnonKib(pid: number): number {
  try {
    return Number(/^RssAnon:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0; // it ended while we looked
  }
}

function directoryBytes(dir: string): number {
  let bytes = 0;
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) bytes += directoryBytes(path);
    else if (entry.isFile()) {
      try {
        bytes += statSync(path).size;
      } catch {}
    }
  }
  return bytes;
}

/** A DevTools client on `wrangler dev --inspector-port`, kept connected; a few bounded attempts. */
async function connectInspector(port: number): Promise<Inspector> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      return await Inspector.connect(port, 10_000);
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
  throw lastError;
}

export interface ProbeOptions {
  /** Samples the Worker's heap through this `--inspector-port` (and stays attached); null: no heap. */
  inspectorPort: number | null;
  stateDir: string | null;
}

/** Follows one runtime; `sample` is bounded (the heap call times out after 10 s and then reads null). */
export class MemoryProbe {
  private readonly meter: RuntimeMeter;
  private readonly inspector: Inspector | null;
  private readonly stateDir: string | null;
  /** Why the last heap reading failed, once, for the report. */
  heapError: string | null = null;

  private constructor(meter: RuntimeMeter, inspector: Inspector | null, stateDir: string | null) {
    this.meter = meter;
    this.inspector = inspector;
    this.stateDir = stateDir;
  }

  static async attach(dev: WranglerDev, options: ProbeOptions): Promise<MemoryProbe> {
    const meter = new RuntimeMeter(dev.child.pid ?? dev.pgid, dev.pgid);
    const inspector = options.inspectorPort === null ? null : await connectInspector(options.inspectorPort);
    return new MemoryProbe(meter, inspector, options.stateDir);
  }

  async sample(atMs: number): Promise<MemorySample> {
    const processes = this.meter
      .processes()
      .map((p) => ({
        role: roleOf(p.name),
        pid: p.pid,
        kib: p.rssBytes / 1024,
        anonKib: rssAnonKib(p.pid),
        cpuMs: p.cpuMs,
      }))
      .sort((a, b) => ROLES.indexOf(a.role) - ROLES.indexOf(b.role));
    return {
      atMs,
      processes,
      totalKib: processes.reduce((sum, p) => sum + p.kib, 0),
      heap: await this.heap(),
      stateBytes: this.stateDir === null ? null : directoryBytes(this.stateDir),
    };
  }

  private async heap(): Promise<MemorySample["heap"]> {
    if (!this.inspector) return null;
    try {
      const usage = await this.inspector.call<{
        usedSize: number;
        totalSize: number;
        backingStorageSize?: number;
      }>("Runtime.getHeapUsage", {}, 10_000);
      return {
        usedBytes: usage.usedSize,
        totalBytes: usage.totalSize,
        backingStoreBytes: usage.backingStorageSize ?? 0,
      };
    } catch (error) {
      this.heapError ??= error instanceof Error ? error.message : String(error);
      return null;
    }
  }

  close(): void {
    this.inspector?.close();
  }
}

const mib = (kib: number) => `${(kib / 1024).toFixed(0)}`;

/** RSS per role in KiB (several processes of one role are summed). */
function rssByRole(sample: MemorySample): Record<Role, number> {
  const byRole: Record<Role, number> = { wrangler: 0, "proxy workerd": 0, "worker workerd": 0, other: 0 };
  for (const p of sample.processes) byRole[p.role] += p.kib;
  return byRole;
}

/** `total 612 MiB = wrangler 150 + proxy workerd 80 + … (anon …); heap 12.3 MiB; state 4.1 MiB` */
export function describeMemory(sample: MemorySample): string {
  const byRole = rssByRole(sample);
  const anon = (role: Role) =>
    sample.processes.filter((p) => p.role === role).reduce((sum, p) => sum + p.anonKib, 0);
  const parts = ROLES.map((role) => `${role} ${mib(byRole[role])} (anon ${mib(anon(role))})`);
  const heap = sample.heap
    ? `; Worker heap ${(sample.heap.usedBytes / 2 ** 20).toFixed(1)} of ${(sample.heap.totalBytes / 2 ** 20).toFixed(1)} MiB used, backing stores ${(sample.heap.backingStoreBytes / 2 ** 20).toFixed(1)} MiB`
    : "";
  const state = sample.stateBytes === null ? "" : `; state ${(sample.stateBytes / 2 ** 20).toFixed(1)} MiB`;
  return `${mib(sample.totalKib)} MiB = ${parts.join(" + ")}${heap}${state}`;
}

/** One line for progress output: `RSS 612 MiB (wrangler/proxy/worker/other 150/80/300/82) heap 12.3 MiB`. */
export function compactMemory(sample: MemorySample): string {
  const byRole = rssByRole(sample);
  const heap = sample.heap ? ` heap ${(sample.heap.usedBytes / 2 ** 20).toFixed(1)} MiB` : "";
  return `RSS ${mib(sample.totalKib)} MiB (wrangler/proxy/worker/other ${ROLES.map((r) => mib(byRole[r])).join("/")})${heap}`;
}

/** The sample closest to the middle of the run. */
function middleOf(samples: MemorySample[]): MemorySample {
  const end = samples[samples.length - 1];
  if (!end) throw new Error("no memory samples");
  return samples.reduce((best, s) =>
    Math.abs(s.atMs - end.atMs / 2) < Math.abs(best.atMs - end.atMs / 2) ? s : best,
  );
}

const percent = (from: number, to: number) =>
  from > 0 ? `${(((to - from) / from) * 100).toFixed(1)}%` : "—";

/**
 * Report rows: start / middle / end per role, growth start→end and middle→end per role, the heap, the
 * state on disk, and every sample as a series (MiB) per role.
 */
export function memoryRows(samples: MemorySample[], seconds: (ms: number) => string): [string, string][] {
  const first = samples[0];
  const end = samples[samples.length - 1];
  if (!first || !end) return [];
  const middle = middleOf(samples);
  const rows: [string, string][] = [
    [`RSS start (${seconds(first.atMs)})`, describeMemory(first)],
    [`RSS middle (${seconds(middle.atMs)})`, describeMemory(middle)],
    [`RSS end (${seconds(end.atMs)})`, describeMemory(end)],
  ];
  const [a, m, z] = [rssByRole(first), rssByRole(middle), rssByRole(end)];
  rows.push([
    "RSS growth start→end / middle→end",
    [
      `total ${percent(first.totalKib, end.totalKib)} / ${percent(middle.totalKib, end.totalKib)}`,
      ...ROLES.map(
        (role) =>
          `${role} ${mib(z[role] - a[role])} MiB / ${mib(z[role] - m[role])} MiB (${percent(a[role], z[role])})`,
      ),
    ].join(", "),
  ]);
  for (const role of ROLES)
    rows.push([
      `  ${role} RSS samples (MiB)`,
      samples.map((s) => (rssByRole(s)[role] / 1024).toFixed(0)).join(" "),
    ]);
  if (samples.some((s) => s.heap))
    rows.push([
      "  Worker heap used (MiB)",
      samples.map((s) => (s.heap ? (s.heap.usedBytes / 2 ** 20).toFixed(1) : "?")).join(" "),
    ]);
  if (samples.some((s) => s.stateBytes !== null))
    rows.push([
      "  persisted state on disk (MiB)",
      samples.map((s) => ((s.stateBytes ?? 0) / 2 ** 20).toFixed(1)).join(" "),
    ]);
  return rows;
}

/** CPU the runtime used between two samples, in % of one core (200% = both cores of a 2-core machine). */
export function cpuPercent(from: MemorySample, to: MemorySample): number {
  const before = new Map(from.processes.map((p) => [p.pid, p.cpuMs]));
  let used = 0;
  for (const p of to.processes) used += p.cpuMs - (before.get(p.pid) ?? 0);
  return to.atMs > from.atMs ? (used / (to.atMs - from.atMs)) * 100 : 0;
}
