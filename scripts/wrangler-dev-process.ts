/**
 * Runs `wrangler dev` as a process group of its own so that a test can crash it the hard way: every
 * process of the runtime (the wrangler launcher, wrangler's CLI, esbuild, and each workerd) is found
 * through its process group and its parent links in /proc, sent SIGKILL, and awaited until gone.
 * Linux only (it reads /proc). Every wait is bounded. Not wrangler's `unstable_startWorker`: that runs the
 * runtime inside this Node process, and the crash test must SIGKILL the runtime without killing itself.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import getPort from "get-port";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One live process as /proc sees it (zombies count as gone: they have already released everything). */
interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  name: string;
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const close = stat.lastIndexOf(")");
    const name = stat.slice(stat.indexOf("(") + 1, close);
    const [state, ppid, pgid] = stat
      .slice(close + 2)
      .split(" ")
      .slice(0, 3);
    if (state === "Z" || state === "X") return null;
    return { pid, ppid: Number(ppid), pgid: Number(pgid), name };
  } catch {
    return null; // it ended while we looked
  }
}

function allProcesses(): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProc(Number(entry));
    if (info) found.push(info);
  }
  return found;
}

/** Every live process in the group `pgid`, plus every descendant of `rootPid` (even one that left the group). */
export function runtimeProcesses(rootPid: number, pgid: number): ProcInfo[] {
  const processes = allProcesses();
  const members = new Map<number, ProcInfo>();
  for (const info of processes) if (info.pgid === pgid || info.pid === rootPid) members.set(info.pid, info);
  for (let grew = true, rounds = 0; grew && rounds < 64; rounds++) {
    grew = false;
    for (const info of processes) {
      if (!members.has(info.pid) && members.has(info.ppid)) {
        members.set(info.pid, info);
        grew = true;
      }
    }
  }
  return [...members.values()];
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export const freePort = (): Promise<number> => getPort({ host: "127.0.0.1" });

export interface WranglerDev {
  readonly child: ChildProcess;
  /** The process group of the whole runtime (the launcher's pid: it was spawned detached). */
  readonly pgid: number;
  exited(): Promise<number | null>;
  isRunning(): boolean;
}

export interface SpawnOptions {
  repo: string;
  label: string;
  env: NodeJS.ProcessEnv;
  /** Receives every line the processes print (for a diagnostic tail on failure). */
  onLine: (line: string) => void;
}

export interface LocalDevOptions {
  port: number;
  inspectorPort: number;
  stateDir: string;
  /** Passed as `--var`: the only configuration beyond wrangler.toml (never the developer's .dev.vars). */
  vars?: Record<string, string>;
  extraArgs?: string[];
}

/** `wrangler dev` arguments: 127.0.0.1 only, persisted state, no .dev.vars or .env, no interactive session. */
export function localDevArgs({ port, inspectorPort, stateDir, vars = {}, extraArgs = [] }: LocalDevOptions) {
  return [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    stateDir,
    "--env-file",
    "/dev/null",
    "--show-interactive-dev-session=false",
    ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ...extraArgs,
  ];
}

/** Every runtime started here and not yet seen exiting: what `stopAllRuntimes` tears down. */
const started = new Set<WranglerDev>();

/** Starts `wrangler <args>` with Node 22 (this process's binary) as a new process group. */
export function spawnWrangler(args: string[], options: SpawnOptions): WranglerDev {
  const child = spawn(
    process.execPath,
    [join(options.repo, "node_modules/wrangler/bin/wrangler.js"), ...args],
    {
      cwd: options.repo,
      detached: true, // a process group of its own: workerd and every helper can be signalled together
      stdio: ["ignore", "pipe", "pipe"],
      env: options.env,
    },
  );
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line.trim()) options.onLine(`[${options.label}] ${line}`);
  };
  child.stdout?.on("data", forward);
  child.stderr?.on("data", forward);
  if (child.pid === undefined) throw new Error(`could not start wrangler (${options.label})`);
  const pgid = child.pid;
  const exit = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", () => resolve(null));
  });
  const dev: WranglerDev = {
    child,
    pgid,
    exited: () => exit,
    isRunning: () => child.exitCode === null && child.signalCode === null,
  };
  started.add(dev);
  return dev;
}

/** Stops every runtime this process started that may still have processes (cleanup on any exit path). */
export async function stopAllRuntimes(): Promise<void> {
  await Promise.all([...started].map((dev) => stopRuntime(dev)));
}

/**
 * Sends `signal` to every process of the runtime and waits (at most `timeoutMs`) until none is left.
 * Returns what was signalled; throws if a process survived.
 */
export async function signalRuntime(
  dev: WranglerDev,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<ProcInfo[]> {
  const root = dev.child.pid ?? dev.pgid;
  const targets = runtimeProcesses(root, dev.pgid);
  try {
    process.kill(-dev.pgid, signal);
  } catch {}
  for (const { pid } of targets) {
    try {
      process.kill(pid, signal); // a descendant that left the group
    } catch {}
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const left = targets.filter(({ pid }) => readProc(pid) !== null);
    const newcomers = runtimeProcesses(root, dev.pgid).filter((p) => !targets.some((t) => t.pid === p.pid));
    if (left.length === 0 && newcomers.length === 0) {
      await Promise.race([dev.exited(), sleep(1_000)]);
      started.delete(dev);
      return targets;
    }
    for (const { pid } of [...left, ...newcomers]) {
      try {
        process.kill(pid, signal);
      } catch {}
    }
    await sleep(50);
  }
  const survivors = runtimeProcesses(root, dev.pgid);
  if (survivors.length === 0) started.delete(dev);
  throw new Error(
    `${survivors.length} runtime process(es) survived ${signal}: ${survivors.map((p) => `${p.pid} ${p.name}`).join(", ")}`,
  );
}

/** Graceful stop (SIGTERM), then SIGKILL for whatever is left. Never throws. */
export async function stopRuntime(dev: WranglerDev): Promise<void> {
  try {
    await signalRuntime(dev, "SIGTERM", 5_000);
  } catch {
    try {
      await signalRuntime(dev, "SIGKILL", 5_000);
    } catch {}
  }
}

/** Polls `GET /healthz` until it answers 200; fails early if wrangler exits. */
export async function waitUntilHealthy(dev: WranglerDev, base: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!dev.isRunning())
      throw new Error(`wrangler dev exited with ${dev.child.exitCode ?? dev.child.signalCode}`);
    try {
      const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {}
    await sleep(200);
  }
  throw new Error(`wrangler dev did not answer ${base}/healthz within ${timeoutMs} ms`);
}

/** Runs a short wrangler command (e.g. D1 migrations) to completion, bounded by `timeoutMs`. */
export async function runWrangler(args: string[], options: SpawnOptions, timeoutMs: number): Promise<void> {
  const dev = spawnWrangler(args, options);
  const code = await Promise.race([dev.exited(), sleep(timeoutMs).then(() => "timeout" as const)]);
  await stopRuntime(dev);
  if (code !== 0) throw new Error(`wrangler ${args.slice(0, 3).join(" ")} ended with ${code}`);
}
