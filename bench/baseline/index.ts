/**
 * The baseline Worker for `npm run bench`: a bare Hono app that answers 202 to a POST without verifying,
 * claiming or enqueueing anything. It reads the body (as any receiver must), so what separates it from
 * the gateway is Hookgate's own work: verify, normalize, the Durable Object claim, the queue, delivery.
 *
 * `?log=N` makes it print N JSON log lines per request, shaped like Hookgate's. The benchmark uses that
 * once to measure what a log line costs on the local runtime, where wrangler dev carries every
 * console.log through the DevTools protocol to its own process.
 */
import { Hono } from "hono";

const app = new Hono();

app.post("/webhooks/:source", async (c) => {
  const started = Date.now();
  await c.req.arrayBuffer();
  const lines = Math.min(10, Number(c.req.query("log") ?? 0) || 0);
  for (let i = 0; i < lines; i++) {
    console.log(
      JSON.stringify({
        stage: "baseline",
        source: c.req.param("source"),
        line: i,
        status: 202,
        ms: Date.now() - started,
      }),
    );
  }
  return c.json({ status: "accepted" }, 202);
});

app.get("/healthz", (c) => c.json({ status: "ok" }));

export default app;
