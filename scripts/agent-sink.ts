/**
 * A local agent endpoint, bound to 127.0.0.1: `npm run sink` prints every delivery the gateway forwards
 * (checking its Standard Webhooks signature), and the test suite uses it as a real HTTP endpoint.
 * It records every delivery (with the status it answered) and can be told, through the URL it is called
 * on, how to answer:
 *   /agent/<bucket>?fail=N          first N deliveries of each webhook-id answer 500
 *   /agent/<bucket>?flaky=P         each delivery answers 500 with probability P (0..1, Math.random), e.g.
 *                                   `flaky=0.1` for an agent that fails 10% of the time (`npm run soak`);
 *                                   after the first N of `fail=N`, when both are given
 *   /agent/<bucket>?status=S        always answer S (with `retryAfter=SEC` as Retry-After); wins over both
 *   /agent/<bucket>?delayMs=MS      answer after MS milliseconds
 *   /agent/<bucket>?body=TEXT       answer with this body (at most 4 KB) instead of "ok" / "nope"
 * `GET /deliveries/<bucket>` lists what arrived; `DELETE /deliveries/<bucket>` forgets it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { pathToFileURL } from "node:url";
import { parseEnv } from "node:util";
import { Webhook } from "standardwebhooks";

export interface Delivery {
  bucket: string;
  webhookId: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}

/** Stops a sink now: open keep-alive connections are closed instead of waited for. */
export function closeAgentSink(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

export function startAgentSink(
  port = 0,
  onDelivery: (delivery: Delivery) => void = () => {},
): Promise<{
  server: Server;
  port: number;
  deliveries: Delivery[];
  /** Per bucket, query parameters that apply as if every URL of that bucket carried them (a URL's own win). */
  behaviours: Map<string, string>;
}> {
  const deliveries: Delivery[] = [];
  const behaviours = new Map<string, string>();
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sink");
    const [, kind, bucket = "default"] = url.pathname.split("/");
    if (kind === "deliveries") {
      if (req.method === "DELETE")
        deliveries.splice(0, deliveries.length, ...deliveries.filter((d) => d.bucket !== bucket));
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(deliveries.filter((d) => d.bucket === bucket)));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      for (const [name, value] of new URLSearchParams(behaviours.get(bucket) ?? ""))
        if (!url.searchParams.has(name)) url.searchParams.set(name, value);
      const webhookId = String(req.headers["webhook-id"] ?? "");
      const count = (seen.get(`${bucket}/${webhookId}`) ?? 0) + 1;
      seen.set(`${bucket}/${webhookId}`, count);
      const fail = Number(url.searchParams.get("fail") ?? 0);
      const flaky = Number(url.searchParams.get("flaky") ?? 0);
      const fixed = url.searchParams.get("status");
      const status = fixed ? Number(fixed) : count <= fail || Math.random() < flaky ? 500 : 200;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = String(value);
      const delivery = {
        bucket,
        webhookId,
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
        status,
        at: Date.now(),
      };
      deliveries.push(delivery);
      onDelivery(delivery);
      const answer = () => {
        const retryAfter = url.searchParams.get("retryAfter");
        if (retryAfter) res.setHeader("retry-after", retryAfter);
        res.statusCode = status;
        res.end(url.searchParams.get("body")?.slice(0, 4096) ?? (status < 300 ? "ok" : "nope"));
      };
      const delayMs = Number(url.searchParams.get("delayMs") ?? 0);
      if (delayMs > 0) setTimeout(answer, Math.min(delayMs, 30_000));
      else answer();
    });
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        server,
        port: typeof address === "object" && address ? address.port : port,
        deliveries,
        behaviours,
      });
    });
  });
}

const USAGE = `usage: npm run sink [-- --port 8788]
A local agent endpoint on 127.0.0.1 that prints every delivery: the status it answered, the event,
whether it is a replay, and whether its Standard Webhooks signature (AGENT_SIGNING_SECRET in .dev.vars)
is valid. Point AGENT_ENDPOINT_URL at http://127.0.0.1:<port>/agent/<bucket>, with any of these in the
query to make it misbehave on purpose:
  ?fail=N         the first N deliveries of each webhook-id answer 500 (then 200)
  ?status=S       always answer S (e.g. 429, 503, 410); with &retryAfter=SEC it sends Retry-After
  ?flaky=P        answer 500 with probability P (0..1)
  ?delayMs=MS     answer after MS milliseconds (at most 30 s)
  ?body=TEXT      answer with this body instead of "ok" / "nope"
GET /deliveries/<bucket> lists what arrived; DELETE /deliveries/<bucket> forgets it.`;

/** `replay n` when the delivery is an operator replay (its idempotency key ends in `:replay-<n>`). */
function replayOf(delivery: Delivery): string {
  const match = /:replay-(\d+)$/.exec(delivery.headers["idempotency-key"] ?? "");
  return match ? ` REPLAY ${match[1]}` : "";
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes("--help") || process.argv.includes("-h")) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = Number(process.argv[process.argv.indexOf("--port") + 1]) || 8788;
  const secret = existsSync(".dev.vars")
    ? parseEnv(readFileSync(".dev.vars", "utf8")).AGENT_SIGNING_SECRET
    : undefined;
  const verifier = secret ? new Webhook(secret) : null;
  await startAgentSink(port, (delivery) => {
    let signature = "unchecked (no AGENT_SIGNING_SECRET in .dev.vars)";
    let envelope: { id?: string; source?: string; type?: string } = {};
    try {
      envelope = JSON.parse(delivery.body);
      if (verifier) {
        verifier.verify(delivery.body, delivery.headers);
        signature = "valid";
      }
    } catch (error) {
      signature = `INVALID (${error instanceof Error ? error.message : String(error)})`;
    }
    console.log(
      `${new Date(delivery.at).toISOString()} answered ${delivery.status} ${envelope.source}/${envelope.type} id=${envelope.id}${replayOf(delivery)} webhook-id=${delivery.webhookId} signature=${signature}`,
    );
  });
  console.log(`Agent sink listening on http://127.0.0.1:${port}/agent`);
}
