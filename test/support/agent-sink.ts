/**
 * A real HTTP agent endpoint for tests, bound to 127.0.0.1. It records every delivery and can be told,
 * through the URL it is called on, how to answer:
 *   /agent/<bucket>?fail=N          first N deliveries of each webhook-id answer 500
 *   /agent/<bucket>?status=S        always answer S (with `retryAfter=SEC` as Retry-After)
 *   /agent/<bucket>?delayMs=MS      answer after MS milliseconds
 * `GET /deliveries/<bucket>` lists what arrived; `DELETE /deliveries/<bucket>` forgets it.
 */
import { createServer, type Server } from "node:http";

export interface Delivery {
  bucket: string;
  webhookId: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}

export function startAgentSink(port = 0): Promise<{ server: Server; port: number; deliveries: Delivery[] }> {
  const deliveries: Delivery[] = [];
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sink");
    const [, kind, bucket = "default"] = url.pathname.split("/");
    if (kind === "deliveries") {
      if (req.method === "DELETE") deliveries.splice(0, deliveries.length, ...deliveries.filter((d) => d.bucket !== bucket));
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(deliveries.filter((d) => d.bucket === bucket)));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const webhookId = String(req.headers["webhook-id"] ?? "");
      const count = (seen.get(`${bucket}/${webhookId}`) ?? 0) + 1;
      seen.set(`${bucket}/${webhookId}`, count);
      const fail = Number(url.searchParams.get("fail") ?? 0);
      const fixed = url.searchParams.get("status");
      const status = fixed ? Number(fixed) : count <= fail ? 500 : 200;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = String(value);
      deliveries.push({ bucket, webhookId, headers, body: Buffer.concat(chunks).toString("utf8"), status, at: Date.now() });
      const answer = () => {
        const retryAfter = url.searchParams.get("retryAfter");
        if (retryAfter) res.setHeader("retry-after", retryAfter);
        res.statusCode = status;
        res.end(status < 300 ? "ok" : "nope");
      };
      const delayMs = Number(url.searchParams.get("delayMs") ?? 0);
      if (delayMs > 0) setTimeout(answer, Math.min(delayMs, 30_000));
      else answer();
    });
  });
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : port, deliveries });
    });
  });
}
