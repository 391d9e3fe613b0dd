/**
 * One benchmark case's load, run as its own process so that generating load never shares an event loop
 * with the agent sink: `node bench/load-generator.ts <spec.json> <result.json>`.
 * Every request is built and signed before the clock starts (a distinct GitHub event with its own
 * X-GitHub-Delivery and X-Hub-Signature-256, or in a rejection case a request the gateway must refuse:
 * bench/rejected-requests.ts); autocannon then sends exactly that list at a fixed
 * concurrency. The result file holds every response time, the status counts, and the time each 202
 * arrived with its event id (for end-to-end latency at the sink).
 */
import { readFileSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { signers } from "../scripts/sign-sample.ts";
import { GITHUB_EVENT, githubBody, type PayloadSize } from "./github-payloads.ts";
import { type RawRequest, type RejectionKind, rejectedRequests } from "./rejected-requests.ts";

export interface LoadSpec {
  url: string;
  /** Requests to send in total, duplicates included. */
  requests: number;
  concurrency: number;
  size: PayloadSize;
  /** Share of the requests that are a second copy of an event already in the list (0 or 0.5). */
  duplicateShare: number;
  secret: string;
  /** The run is stopped after this long even if requests are left. */
  maxDurationMs: number;
  seed: number;
  /** Requests per second over all connections (open loop); unset: as fast as the server answers. */
  rate?: number;
  /** Appended to `/webhooks/github` (the baseline reads `?log=N` to print N log lines per request). */
  query?: string;
  /** Requests the gateway must refuse (bench/rejected-requests.ts) instead of valid events; `size` is then unused. */
  reject?: RejectionKind;
  /** Rejection cases: distinct client addresses (`CF-Connecting-IP`); unset: one per request. */
  clients?: number;
}

export interface Ack {
  id: string;
  /** Wall-clock time (Unix ms) the 202 arrived here. */
  at: number;
}

export interface LoadResult {
  startedAt: number;
  endedAt: number;
  sent: number;
  statuses: Record<string, number>;
  /** Response time of every answered request, in ms. */
  latenciesMs: number[];
  acks: Ack[];
  /** Ids that were answered 200 duplicate. */
  duplicates: number;
  errors: number;
  timeouts: number;
  /** Requests sent more than once because autocannon reconnected and ran past the list (should be 0). */
  wrapped: number;
  stoppedEarly: boolean;
  /** CPU (ms) this process used while sending. */
  cpuMs: number;
  /** CPU (ms) this process used in all, preparing included. */
  totalCpuMs: number;
  prepareMs: number;
}

async function prepare(spec: LoadSpec): Promise<RawRequest[]> {
  if (spec.reject) {
    return rejectedRequests({
      kind: spec.reject,
      requests: spec.requests,
      clients: spec.clients ?? spec.requests,
      secret: spec.secret,
      seed: spec.seed,
      ...(spec.query ? { query: spec.query } : {}),
    });
  }
  const github = signers.github;
  if (!github) throw new Error("no GitHub signer in scripts/sign-sample.ts");
  // Seeded: the same duplicate positions on every run.
  const random = xoroshiro128plus(spec.seed);
  const distinct = Math.round(spec.requests * (1 - spec.duplicateShare));
  const now = new Date().toISOString();
  const events: RawRequest[] = [];
  for (let n = 1; n <= distinct; n++) {
    const body = githubBody(spec.size, spec.seed * 1_000_000 + n, now);
    events.push({
      method: "POST",
      path: `/webhooks/github${spec.query ?? ""}`,
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": GITHUB_EVENT[spec.size],
        "x-github-hook-id": "4242",
        ...(await github.sign(body, spec.secret)),
      },
      body: Buffer.from(body),
    });
  }
  // Each copy goes 1 to 64 places after its original: some race it (same concurrency window), some follow.
  const order = events.map((event, i) => ({ event, key: i }));
  const copies = spec.requests - distinct;
  for (let i = 0; i < copies; i++) {
    const original = Math.floor((i * distinct) / copies);
    const event = events[original];
    // + 0.5: right after the event that many places on, never tied with it.
    if (event) order.push({ event, key: original + uniformInt(random, 1, 64) + 0.5 });
  }
  order.sort((a, b) => a.key - b.key);
  return order.map(({ event }) => event);
}

async function main(): Promise<void> {
  const [specPath, resultPath] = process.argv.slice(2);
  if (!specPath || !resultPath) throw new Error("usage: load-generator.ts <spec.json> <result.json>");
  const spec: LoadSpec = JSON.parse(readFileSync(specPath, "utf8"));
  const prepareStarted = Date.now();
  const list = await prepare(spec);
  const prepareMs = Date.now() - prepareStarted;

  let cursor = 0;
  let wrapped = 0;
  const latenciesMs: number[] = [];
  const statuses: Record<string, number> = {};
  const acks: Ack[] = [];
  let duplicates = 0;

  const cpuBefore = process.cpuUsage();
  const startedAt = Date.now();
  const instance = autocannon({
    url: spec.url,
    connections: spec.concurrency,
    pipelining: 1,
    amount: list.length,
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    timeout: 10,
    requests: [
      {
        // Called once per request sent: hand out the next prebuilt request. Returning nothing would make
        // autocannon loop, so past the end (only after reconnects) the list wraps and is counted.
        setupRequest: (defaults: object) => {
          if (cursor >= list.length) wrapped++;
          return { ...defaults, ...list[cursor++ % list.length] };
        },
        onResponse: (status: number, body: string) => {
          if (status === 202) {
            acks.push({ id: (JSON.parse(body) as { id: string }).id, at: Date.now() });
          } else if (status === 200) duplicates++;
        },
      },
    ],
  });
  // autocannon notices that the last answer came back only on its next one-second tick, so the run ends
  // at the last response seen here, not at "done".
  let lastResponseAt = startedAt;
  instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    latenciesMs.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    lastResponseAt = Date.now();
  });
  const timer = setTimeout(() => instance.stop(), spec.maxDurationMs);
  let stoppedEarly = false;
  const summary = await new Promise<autocannon.Result>((resolve, reject) => {
    instance.once("done", resolve);
    instance.once("error", reject);
  });
  clearTimeout(timer);
  const endedAt = lastResponseAt;
  if (latenciesMs.length < list.length) stoppedEarly = true;
  const cpu = process.cpuUsage(cpuBefore);
  const total = process.cpuUsage();
  const result: LoadResult = {
    startedAt,
    endedAt,
    sent: Math.min(cursor, list.length + wrapped),
    statuses,
    latenciesMs,
    acks,
    duplicates,
    errors: summary.errors,
    timeouts: summary.timeouts,
    wrapped,
    stoppedEarly,
    cpuMs: (cpu.user + cpu.system) / 1000,
    totalCpuMs: (total.user + total.system) / 1000,
    prepareMs,
  };
  writeFileSync(resultPath, JSON.stringify(result));
}

await main();
