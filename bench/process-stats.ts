/**
 * CPU time and memory of a whole `wrangler dev` runtime (the wrangler launcher and CLI, esbuild, and
 * every workerd), read from /proc. CPU is utime + stime of each process; a process that exits during a
 * measurement is counted up to its last sample. Linux only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { runtimeProcesses } from "../scripts/wrangler-dev-process.ts";

/** Clock ticks per second for /proc/<pid>/stat; 100 on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

export interface ProcessSample {
  pid: number;
  name: string;
  /** utime + stime, in ms. */
  cpuMs: number;
  rssBytes: number;
  /** Peak resident set size of this process so far (VmHWM). */
  peakRssBytes: number;
}

/**
 * What a process does for the runtime, from its command line: wrangler's launcher and CLI are both
 * `node`; of the two workerd processes, wrangler's proxy listens on the public port and the one that runs
 * the Worker (with its Durable Objects, queue broker and D1) listens on an ephemeral one.
 */
function roleOf(pid: number, name: string): string {
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {}
  if (name === "workerd")
    return cmdline.includes("--socket-addr=entry=127.0.0.1:0 ") ? "workerd (worker)" : "workerd (proxy)";
  if (name === "node")
    return cmdline.includes("wrangler-dist/cli.js") ? "wrangler (node)" : "wrangler launcher";
  return name;
}

function readSample(pid: number, name: string): ProcessSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the name: state(0) ppid(1) … utime(11) stime(12).
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
    return {
      pid,
      name,
      cpuMs: (ticks * 1000) / TICKS_PER_SECOND,
      rssBytes: kb("VmRSS") * 1024,
      peakRssBytes: kb("VmHWM") * 1024,
    };
  } catch {
    return null; // it exited while we looked
  }
}

/**
 * Follows one runtime's processes. `refresh` rescans /proc for newcomers (wrangler can restart workerd);
 * `sample` only reads the known ones, so it is cheap enough to call a few times a second.
 */
export class RuntimeMeter {
  private readonly rootPid: number;
  private readonly pgid: number;
  private known = new Map<number, string>();
  /** Last CPU seen per pid, so processes that exit keep counting what they used. */
  private readonly lastCpu = new Map<number, { name: string; cpuMs: number }>();
  private peakRss = 0;
  /** Most open file descriptors seen per process role (sockets included). */
  readonly peakFds = new Map<string, number>();

  constructor(rootPid: number, pgid: number) {
    this.rootPid = rootPid;
    this.pgid = pgid;
    this.refresh();
  }

  refresh(): void {
    this.known = new Map(
      runtimeProcesses(this.rootPid, this.pgid).map((p) => [p.pid, roleOf(p.pid, p.name)]),
    );
  }

  /** Reads every known process; returns the summed current RSS. */
  sample(): number {
    let rss = 0;
    for (const [pid, name] of this.known) {
      const s = readSample(pid, name);
      if (!s) continue;
      this.lastCpu.set(pid, { name, cpuMs: s.cpuMs });
      rss += s.rssBytes;
      try {
        const fds = readdirSync(`/proc/${pid}/fd`).length;
        if (fds > (this.peakFds.get(name) ?? 0)) this.peakFds.set(name, fds);
      } catch {}
    }
    this.peakRss = Math.max(this.peakRss, rss);
    return rss;
  }

  /** CPU used so far per process name (`node` = wrangler, `workerd`, `esbuild`), and in total. */
  cpu(): { totalMs: number; byName: Record<string, number> } {
    this.refresh();
    this.sample();
    const byName: Record<string, number> = {};
    let totalMs = 0;
    for (const { name, cpuMs } of this.lastCpu.values()) {
      byName[name] = (byName[name] ?? 0) + cpuMs;
      totalMs += cpuMs;
    }
    return { totalMs, byName };
  }

  /** Highest summed RSS seen by `sample` since the last reset. */
  takePeakRss(): number {
    const peak = this.peakRss;
    this.peakRss = 0;
    return peak;
  }

  /** Per-process detail, for the report. */
  processes(): ProcessSample[] {
    this.refresh();
    return [...this.known]
      .map(([pid, name]) => readSample(pid, name))
      .filter((s): s is ProcessSample => s !== null);
  }
}

/** CPU used between two `cpu()` readings, per process name and in total. */
export function cpuDelta(
  before: { totalMs: number; byName: Record<string, number> },
  after: { totalMs: number; byName: Record<string, number> },
): { totalMs: number; byName: Record<string, number> } {
  const byName: Record<string, number> = {};
  for (const [name, ms] of Object.entries(after.byName)) byName[name] = ms - (before.byName[name] ?? 0);
  return { totalMs: after.totalMs - before.totalMs, byName };
}
