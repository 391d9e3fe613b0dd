/**
 * The LaneKeeper's tables and every statement it runs. One instance holds the lanes of one route whose keys
 * hash to one group (lane-ticket.ts), so a route's lanes spread over LANE_GROUPS instances.
 * - `lanes`: one row per lane key: the next seq, blocked or not, the last error, the highest `coalesceBy`
 *   value accepted, the ids skipped since the last head, and the route's policy as last passed.
 * - `lane_entries`: one row per event not yet finished in its lane: `waiting`, `head` or `superseded`
 *   (until the ledger has recorded it so). `owed` = 1 while a queue message for it must be sent.
 */
export const LANE_SCHEMA = `
CREATE TABLE IF NOT EXISTS lanes (
  lane_key TEXT PRIMARY KEY,
  route TEXT NOT NULL,
  next_seq INTEGER NOT NULL,
  blocked INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  high_water TEXT,
  skipped TEXT,
  policy TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS lane_entries (
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  lane_key TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  shard INTEGER NOT NULL,
  state TEXT NOT NULL,
  skipped TEXT,
  owed INTEGER NOT NULL DEFAULT 0,
  accepted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (source, event_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS lane_entries_order ON lane_entries (lane_key, seq);
CREATE INDEX IF NOT EXISTS lane_entries_owed ON lane_entries (owed) WHERE owed = 1;
CREATE INDEX IF NOT EXISTS lane_entries_heads ON lane_entries (updated_at) WHERE state = 'head';
`;

export type LaneRow = {
  lane_key: string;
  route: string;
  next_seq: number;
  blocked: number;
  last_error: string | null;
  high_water: string | null;
  skipped: string | null;
  policy: string;
  updated_at: number;
};

export type EntryRow = {
  source: string;
  event_id: string;
  lane_key: string;
  seq: number;
  type: string;
  shard: number;
  state: "waiting" | "head" | "superseded";
  skipped: string | null;
  owed: number;
  accepted_at: number;
  updated_at: number;
};

export const SELECT_LANE = "SELECT * FROM lanes WHERE lane_key = ?";
export const INSERT_LANE =
  "INSERT INTO lanes (lane_key, route, next_seq, policy, updated_at) VALUES (?, ?, 1, ?, ?)";
export const UPDATE_LANE = `
UPDATE lanes SET next_seq = ?2, blocked = ?3, last_error = ?4, high_water = ?5, skipped = ?6, policy = ?7,
  updated_at = ?8 WHERE lane_key = ?1`;

export const SELECT_ENTRY = "SELECT * FROM lane_entries WHERE source = ? AND event_id = ?";
export const INSERT_ENTRY = `
INSERT INTO lane_entries (source, event_id, lane_key, seq, type, shard, state, owed, accepted_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
export const SET_ENTRY_STATE =
  "UPDATE lane_entries SET state = ?3, skipped = ?4, owed = ?5, updated_at = ?6 WHERE source = ?1 AND event_id = ?2";
export const DELETE_ENTRY = "DELETE FROM lane_entries WHERE source = ? AND event_id = ?";
export const SELECT_LANE_ENTRIES = "SELECT * FROM lane_entries WHERE lane_key = ? ORDER BY seq";
export const SELECT_OWED = "SELECT * FROM lane_entries WHERE owed = 1 LIMIT 100";
export const CLEAR_OWED = "UPDATE lane_entries SET owed = 0 WHERE source = ? AND event_id = ?";
export const SELECT_IDLE_HEADS =
  "SELECT * FROM lane_entries WHERE state = 'head' AND updated_at < ? ORDER BY updated_at LIMIT 50";
export const HAS_HEADS = "SELECT EXISTS (SELECT 1 FROM lane_entries WHERE state = 'head') AS n";
export const TOUCH_ENTRY = "UPDATE lane_entries SET updated_at = ? WHERE source = ? AND event_id = ?";
/** Empty, unblocked lanes without news since a time: forgotten (their seq then starts again at 1). */
export const DELETE_IDLE_LANES = `
DELETE FROM lanes WHERE lane_key IN (
  SELECT lane_key FROM lanes WHERE blocked = 0 AND updated_at < ?
    AND NOT EXISTS (SELECT 1 FROM lane_entries e WHERE e.lane_key = lanes.lane_key)
  LIMIT 500)`;
export const HAS_LANES = "SELECT EXISTS (SELECT 1 FROM lanes) AS n";
/** Lanes with anything in them, or blocked: the admin list (bounded). */
export const SELECT_BUSY_LANES = `
SELECT * FROM lanes WHERE blocked = 1 OR EXISTS (SELECT 1 FROM lane_entries e WHERE e.lane_key = lanes.lane_key)
ORDER BY lane_key LIMIT 200`;
