/**
 * The durable floor for `npm run bench`: the least any gateway that promises "answered 202 = durable,
 * then queued" must do per event on this runtime, with none of Hookgate's own work. It reads the body,
 * writes it under its id to one of four Durable Objects' SQLite (a duplicate id is answered 200), answers
 * 202, and sends one queue message after the response; its consumer acks every message. No signature,
 * no normalising, no outbox, no event log, no delivery, no log lines.
 *
 * With `FLOOR_FORWARD_URL` set it is the **delivering floor**: the message also carries the body, and the
 * consumer POSTs it to that URL (the bench's agent sink) and acks it once answered 2xx. That is the least a
 * gateway that also delivers every event must do: no envelope, no signing, no lease, no settle.
 *
 * What separates the baseline from this floor is the cost of durability (and delivery) on the local
 * runtime; what separates this floor from the gateway is Hookgate's own work.
 */
import { DurableObject } from "cloudflare:workers";
import { Hono } from "hono";

type Bindings = {
  FLOOR_LEDGER: DurableObjectNamespace<FloorLedger>;
  FLOOR_QUEUE: Queue<FloorMessage>;
  FLOOR_FORWARD_URL?: string;
};
type FloorMessage = { id: string; body?: ArrayBuffer };

export class FloorLedger extends DurableObject<Bindings> {
  private readonly sql = this.ctx.storage.sql;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.sql.exec("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, body BLOB NOT NULL)");
  }

  /** True when the id was new. */
  claim(id: string, body: ArrayBuffer): boolean {
    const sql = "INSERT INTO events VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id";
    return this.sql.exec(sql, id, body).toArray().length > 0;
  }
}

const SHARDS = 4;
const app = new Hono<{ Bindings: Bindings }>();

app.post("/webhooks/:source", async (c) => {
  const body = await c.req.arrayBuffer();
  const id = c.req.header("x-github-delivery") ?? crypto.randomUUID();
  const shard = [...id].reduce((hash, char) => (hash * 31 + char.charCodeAt(0)) >>> 0, 0) % SHARDS;
  const ledger = c.env.FLOOR_LEDGER.get(c.env.FLOOR_LEDGER.idFromName(`shard-${shard}`));
  const accepted = await ledger.claim(id, body);
  if (accepted)
    c.executionCtx.waitUntil(c.env.FLOOR_QUEUE.send(c.env.FLOOR_FORWARD_URL ? { id, body } : { id }));
  return c.json({ id, status: accepted ? "accepted" : "duplicate" }, accepted ? 202 : 200);
});

app.get("/healthz", (c) => c.json({ status: "ok" }));

/** Delivers one message's body; acked once the endpoint answers 2xx, retried otherwise. */
async function forward(url: string, message: Message<FloorMessage>): Promise<void> {
  try {
    const response = await fetch(url, {
      method: "POST",
      body: message.body.body ?? null,
      headers: { "content-type": "application/json", "webhook-id": message.body.id },
    });
    await response.body?.cancel();
    if (response.ok) message.ack();
    else message.retry();
  } catch {
    message.retry();
  }
}

export default {
  fetch: app.fetch,
  async queue(batch: MessageBatch<FloorMessage>, env: Bindings) {
    const url = env.FLOOR_FORWARD_URL;
    if (!url) return batch.ackAll();
    await Promise.all(batch.messages.map((message) => forward(url, message)));
  },
} satisfies ExportedHandler<Bindings, FloorMessage>;
