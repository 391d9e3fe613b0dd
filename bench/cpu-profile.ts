/**
 * Samples the gateway's JavaScript with the V8 profiler through `wrangler dev --inspector-port`, and
 * summarises where the time went: self time per function and per source module. The bundle wrangler
 * builds keeps esbuild's `// src/…` and `// node_modules/…` markers, so every sampled bundle line can be
 * attributed to the module it came from without a source map.
 */

interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Samples per source line (1-based) of the function, when V8 recorded them. */
  positionTicks?: { line: number; ticks: number }[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  sampledMs: number;
  /** Sampled time not idle: what the isolate actually spent running (JS, GC, runtime code). */
  busyMs: number;
  byModule: ProfileRow[];
  byFunction: ProfileRow[];
  /** Self time plus everything called from it, for the hot-path functions that matter. */
  inclusive: ProfileRow[];
  /** The source lines with the most self samples (JavaScript frames only), with their text. */
  byLine: ProfileRow[];
}

/** Where a frame comes from, and the text of a bundle line. */
export interface SourceLookup {
  moduleOf: (frame: CallFrame) => string;
  lineText: (scriptId: string, line: number) => string | undefined;
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

/** A minimal DevTools protocol client over Node 22's WebSocket; every call is bounded by a timeout. */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      if (message.id === undefined) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  static async connect(port: number, timeoutMs = 10_000): Promise<Inspector> {
    // The inspector proxy only accepts a local or DevTools Origin; undici's WebSocket takes extra headers.
    const init = { headers: { origin: "http://127.0.0.1" } } as unknown as string[];
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, init);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("inspector: connect timed out")), timeoutMs);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new Error(`inspector: cannot connect to 127.0.0.1:${port}`));
      });
    });
    return new Inspector(socket);
  }

  call<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: ${method} timed out`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** Starts sampling; the returned function stops it and returns the profile. */
export async function startProfiling(
  inspector: Inspector,
  intervalUs = 250,
): Promise<() => Promise<CpuProfile>> {
  await inspector.call("Profiler.enable");
  await inspector.call("Profiler.setSamplingInterval", { interval: intervalUs });
  await inspector.call("Profiler.start");
  return async () => {
    const { profile } = await inspector.call<{ profile: CpuProfile }>("Profiler.stop", {}, 60_000);
    await inspector.call("Profiler.disable");
    return profile;
  };
}

/** Maps each line of a bundled script to the module esbuild put there (`// src/claim/event-ledger.ts`). */
function moduleByLine(source: string): (line: number) => string {
  const starts: { line: number; module: string }[] = [];
  source.split("\n").forEach((text, line) => {
    const marker = /^\/\/ ((?:src|node_modules|bench|\.\.)\/\S+)$/.exec(text.trim());
    if (marker?.[1]) starts.push({ line, module: marker[1] });
  });
  return (line) => {
    let found = "(bundle glue)";
    let low = 0;
    let high = starts.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const start = starts[mid];
      if (!start) break;
      if (start.line <= line) {
        found = start.module;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found.replace(/^node_modules\/(\.pnpm\/)?/, "npm:").replace(/^(npm:(@[^/]+\/)?[^/]+)\/.*$/, "$1");
  };
}

/** Reads the bundle's source through the inspector to attribute bundle lines to modules. */
export async function moduleResolver(inspector: Inspector, profile: CpuProfile): Promise<SourceLookup> {
  const scriptIds = new Set(profile.nodes.filter((n) => n.callFrame.url).map((n) => n.callFrame.scriptId));
  const resolvers = new Map<string, (line: number) => string>();
  const sources = new Map<string, string[]>();
  try {
    await inspector.call("Debugger.enable", {}, 10_000);
    for (const scriptId of scriptIds) {
      try {
        const { scriptSource } = await inspector.call<{ scriptSource: string }>(
          "Debugger.getScriptSource",
          { scriptId },
          10_000,
        );
        resolvers.set(scriptId, moduleByLine(scriptSource));
        sources.set(scriptId, scriptSource.split("\n"));
      } catch {}
    }
    await inspector.call("Debugger.disable", {}, 10_000);
  } catch {}
  return {
    moduleOf: (frame) => {
      if (!frame.url) return frame.functionName ? `(runtime) ${frame.functionName}` : "(runtime)";
      return resolvers.get(frame.scriptId)?.(frame.lineNumber) ?? frame.url;
    },
    lineText: (scriptId, line) => sources.get(scriptId)?.[line]?.trim(),
  };
}

const SPECIAL = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/** Self time per module and per function, and inclusive time for selected function names. */
export function summarise(
  profile: CpuProfile,
  source: SourceLookup,
  inclusiveNames: readonly string[],
  top = 25,
): ProfileSummary {
  const { moduleOf } = source;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byLine = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = nodes.get(id);
    if (!node) continue;
    total += us;
    const frame = node.callFrame;
    if (frame.functionName === "(idle)") {
      idle += us;
      continue;
    }
    const module = SPECIAL.has(frame.functionName) ? frame.functionName : moduleOf(frame);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
    const fn = SPECIAL.has(frame.functionName)
      ? frame.functionName
      : `${frame.functionName || "(anonymous)"} ${module}:${frame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    // Split the node's self time over its lines in proportion to their ticks.
    const ticks = node.positionTicks ?? [];
    const tickSum = ticks.reduce((n, t) => n + t.ticks, 0);
    if (frame.url && tickSum > 0) {
      for (const t of ticks) {
        const text = (source.lineText(frame.scriptId, t.line - 1) ?? "").slice(0, 90);
        const key = `${module}:${t.line} ${frame.functionName || "(anonymous)"}: ${text}`;
        byLine.set(key, (byLine.get(key) ?? 0) + (us * t.ticks) / tickSum);
      }
    }
    // Inclusive: credit every distinct listed ancestor once per sample.
    const credited = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = nodes.get(at)?.callFrame.functionName ?? "";
      if (inclusiveNames.includes(name) && !credited.has(name)) {
        credited.add(name);
        inclusive.set(name, (inclusive.get(name) ?? 0) + us);
      }
    }
  }
  const busy = total - idle;
  const rows = (map: Map<string, number>, limit: number): ProfileRow[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, us]) => ({ name, selfMs: us / 1000, share: busy > 0 ? us / busy : 0 }));
  return {
    sampledMs: total / 1000,
    busyMs: busy / 1000,
    byModule: rows(byModule, top),
    byFunction: rows(byFunction, top),
    inclusive: rows(inclusive, inclusiveNames.length),
    byLine: rows(byLine, top),
  };
}
