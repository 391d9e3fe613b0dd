/**
 * The tables of one EventLedger shard (Durable Object SQLite) besides the claims (one table per day:
 * claim-tables.ts). The claim row is the dedup key for the retention window, the outbox position (`seq`) and
 * the searchable log row at once, so an accepted event costs one table row and one index entry; its stored
 * request lives in an R2 segment (stored-requests.ts). Why each column and index exists, and what it costs in
 * written rows, is in docs/storage-schema.md.
 */

export const LEDGER_SCHEMA = `
CREATE TABLE IF NOT EXISTS outcomes (
  seq INTEGER NOT NULL,
  handler TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  revived_at INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER,
  last_error TEXT,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  duration_ms INTEGER,
  destination TEXT,
  response_status INTEGER,
  response_body TEXT,
  PRIMARY KEY (seq, handler)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS failed_attempts (
  seq INTEGER NOT NULL,
  handler TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  destination TEXT,
  response_status INTEGER,
  response_body TEXT,
  next_retry_at INTEGER,
  PRIMARY KEY (seq, handler, attempt)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kept_requests (
  seq INTEGER PRIMARY KEY,
  headers TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS body_chunks (
  seq INTEGER NOT NULL,
  chunk INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (seq, chunk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS ledger_settings (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS lease_batches (
  until INTEGER NOT NULL,
  leases TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS resends (
  seq INTEGER PRIMARY KEY
);
`;
