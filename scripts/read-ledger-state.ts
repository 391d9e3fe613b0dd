/**
 * Reads what the EventLedger Durable Objects persisted under a `wrangler dev --persist-to` directory:
 * one SQLite file per shard. Used as evidence by the crash test (is an event settled, enqueued, leased?).
 * Read-only; workerd runs its databases in WAL mode, so this also works while the runtime is up.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export interface LedgerRow {
  source: string;
  id: string;
  shard: number;
  status: string;
  receivedAt: number;
  enqueuedAt: number | null;
  /** The `forward` handler's delivery row; null when no attempt was ever started. */
  forward: {
    state: string;
    attempts: number;
    leaseUntil: number | null;
    notBefore: number | null;
    lastError: string | null;
  } | null;
}

/**
 * A claim is enqueued once the outbox's sent mark passed it. Its `forward` delivery is an `outcomes` row, or,
 * when it succeeded at once, the claim's own `done_record` ([key, attempt, …]). Leases live in memory
 * (and in `lease_batches`), so a running attempt shows no delivery yet.
 */
const QUERY = `
SELECT c.source, c.event_id, c.shard, c.status, c.received_at,
       CASE WHEN c.seq <= coalesce((SELECT value FROM ledger_settings WHERE name = 'sent_through'), 0)
            THEN c.received_at END AS enqueued_at,
       coalesce(o.state, CASE WHEN json_extract(c.done_record, '$[0]') = 'forward' THEN 'done' END) AS state,
       coalesce(o.attempts, json_extract(c.done_record, '$[1]')) AS attempts,
       NULL AS lease_until, o.not_before, o.last_error
FROM claims c
LEFT JOIN outcomes o ON o.seq = c.seq AND o.handler = 'forward'`;

const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));

/** Every event of every ledger shard, keyed by event id. */
export function readLedgerState(persistDir: string): Map<string, LedgerRow> {
  const dir = join(persistDir, "v3", "do", "hookgate-EventLedger");
  const rows = new Map<string, LedgerRow>();
  if (!existsSync(dir)) return rows;
  for (const file of readdirSync(dir)) {
    if (!file.endsWith(".sqlite") || file === "metadata.sqlite") continue;
    const db = new DatabaseSync(join(dir, file), { readOnly: true });
    try {
      const hasEvents = db
        .prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = 'claims'")
        .get();
      if (!hasEvents) continue;
      for (const row of db.prepare(QUERY).all()) {
        const id = String(row.event_id);
        rows.set(id, {
          source: String(row.source),
          id,
          shard: Number(row.shard),
          status: String(row.status),
          receivedAt: Number(row.received_at),
          enqueuedAt: num(row.enqueued_at),
          forward:
            row.state === null || row.state === undefined
              ? null
              : {
                  state: String(row.state),
                  attempts: Number(row.attempts),
                  leaseUntil: num(row.lease_until),
                  notBefore: num(row.not_before),
                  lastError: text(row.last_error),
                },
        });
      }
    } finally {
      db.close();
    }
  }
  return rows;
}
