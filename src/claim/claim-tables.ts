/**
 * The claims of a ledger shard, one table per day (`claims_<day>`, day = Unix ms / 86,400,000), read through
 * the view `claims` (every query that only reads says `FROM claims`). A whole day is forgotten by dropping its
 * table once the retention has passed for its newest claim, which writes no row at all; forgetting claims one
 * by one wrote a row per claim (a fifth of all rows an event cost). The claims of a dropped day that are not
 * finished move to `claims_kept` first and are forgotten one by one once they finish. Writes go to the table
 * that holds the claim: new claims to today's, updates by `seq` (days hold consecutive numbers, so the table
 * is found by the first number of each day). docs/storage-schema.md, "Claims".
 */
import { REPLAY_PENDING } from "./ledger-sql";
import { numberedTables } from "./numbered-tables";

/** How much time one claims table covers. Claims live up to one period longer than the retention. */
export const CLAIM_PERIOD_MS = 86_400_000;
/** Unfinished claims of dropped days: kept until they finish, then forgotten one by one. */
export const KEPT_CLAIMS = "claims_kept";
const PREFIX = "claims_";

/** The columns of every claims table (and of the view), in order. */
const COLUMNS_DDL = `
  seq INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  body_size INTEGER NOT NULL,
  shard INTEGER NOT NULL,
  verified_with TEXT,
  routes TEXT,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  delivered_at INTEGER,
  suppressed_by TEXT,
  replays INTEGER NOT NULL DEFAULT 0,
  done_record TEXT,
  request_index INTEGER`;
const COLUMNS = COLUMNS_DDL.split(",")
  .map((line) => line.trim().split(" ")[0])
  .join(", ");

export const claimTableOf = (period: number) => `${PREFIX}${period}`;

/**
 * Until when a claim received at `receivedAt` is kept at least: its day's table goes once the retention has
 * passed since the day ended (a day that began with a later commit goes later still).
 */
export function claimKeptUntil(receivedAt: number, retentionMs: number): number {
  return (Math.floor(receivedAt / CLAIM_PERIOD_MS) + 1) * CLAIM_PERIOD_MS + retentionMs;
}

/** Terms one compound SELECT may have in workerd's SQLite (SQLITE_LIMIT_COMPOUND_SELECT). */
const COMPOUND_TERMS_MAX = 5;

/**
 * `UNION ALL` of any number of SELECTs, nested in groups of at most COMPOUND_TERMS_MAX (workerd refuses more
 * in one compound). SQLite flattens the nesting again, so conditions and `seq` order reach every table.
 */
export function unionAll(selects: string[]): string {
  if (selects.length <= COMPOUND_TERMS_MAX) return selects.join(" UNION ALL ");
  const groups: string[] = [];
  for (let start = 0; start < selects.length; start += COMPOUND_TERMS_MAX)
    groups.push(`SELECT * FROM (${selects.slice(start, start + COMPOUND_TERMS_MAX).join(" UNION ALL ")})`);
  return unionAll(groups);
}

/**
 * A claims table with its two indexes: the dedup key (`_by_key`, also the search by id and the list of
 * sources) and the failing claims (`_failing`, partial: only `retrying` and `dead` rows are in it).
 */
export function createClaimTable(sql: SqlStorage, name: string): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${name} (${COLUMNS_DDL})`);
  sql.exec(`CREATE UNIQUE INDEX IF NOT EXISTS ${name}_by_key ON ${name} (source, event_id)`);
  sql.exec(
    `CREATE INDEX IF NOT EXISTS ${name}_failing ON ${name} (status, seq) WHERE status IN ('retrying', 'dead')`,
  );
}

/** The table of the day `at` falls in, created with the view when missing (the ledger only creates today's). */
export function ensureDayTable(sql: SqlStorage, at: number): string {
  const name = claimTableOf(Math.floor(at / CLAIM_PERIOD_MS));
  if (!claimTableNames(sql).includes(name)) {
    createClaimTable(sql, name);
    rebuildClaimsView(sql);
  }
  return name;
}

/** Every claims table: the kept claims first, then the days, oldest first. */
export function claimTableNames(sql: SqlStorage): string[] {
  return [KEPT_CLAIMS, ...numberedTables(sql, PREFIX).map(claimTableOf)];
}

/** (Re)creates the view `claims` over every claims table, unless it already reads exactly those. */
export function rebuildClaimsView(sql: SqlStorage): void {
  const arms = claimTableNames(sql).map((name) => `SELECT ${COLUMNS} FROM ${name}`);
  const create = `CREATE VIEW claims AS ${unionAll(arms)}`;
  const current = sql.exec<{ sql: string }>(
    "SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'claims'",
  );
  if (current.toArray()[0]?.sql === create) return;
  sql.exec("DROP VIEW IF EXISTS claims");
  sql.exec(create);
}

/**
 * SQL for the smallest and largest `seq` held (`first`, `last`; null when none): two rowid seeks per table.
 * Over the view, or with `min` and `max` in one SELECT of a table, SQLite would read every claim instead.
 */
export function seqBoundsSql(names: string[]): string {
  const arms = names.map(
    (name) => `SELECT (SELECT min(seq) FROM ${name}) AS lo, (SELECT max(seq) FROM ${name}) AS hi`,
  );
  return `SELECT min(lo) AS first, max(hi) AS last FROM (${unionAll(arms)})`;
}

/**
 * Renames a claims table from before daily tables (`claims`) to the day of its newest claim, so it is
 * dropped as a whole once that claim has expired (its older claims are kept that much longer, once).
 */
function adoptLegacyTable(sql: SqlStorage): void {
  const legacy = sql
    .exec<{ type: string }>("SELECT type FROM sqlite_master WHERE name = 'claims'")
    .toArray()[0];
  if (legacy?.type !== "table") return;
  const columns = sql
    .exec<{ name: string }>("SELECT name FROM pragma_table_info('claims')")
    .toArray()
    .map((column) => column.name);
  if (!columns.includes("request_index")) sql.exec("ALTER TABLE claims ADD COLUMN request_index INTEGER");
  const newest = sql.exec<{ at: number | null }>("SELECT max(received_at) AS at FROM claims").one().at;
  if (newest === null) {
    sql.exec("DROP TABLE claims");
    return;
  }
  const name = claimTableOf(Math.floor(newest / CLAIM_PERIOD_MS));
  if (claimTableNames(sql).includes(name)) {
    sql.exec(`INSERT INTO ${name} (${COLUMNS}) SELECT ${COLUMNS} FROM claims`);
    sql.exec("DROP TABLE claims");
  } else {
    sql.exec(`ALTER TABLE claims RENAME TO ${name}`);
  }
}

type Day = { period: number; name: string; firstSeq: number | null };

/** What dropping the expired days did. */
export interface DroppedDays {
  tables: number;
  /** Unfinished claims of theirs moved to `claims_kept`. */
  kept: number;
  /** The largest `seq` any dropped table held (0 when none was dropped). */
  lastSeq: number;
}

/** The claims tables of one ledger shard: where a new claim goes, where an update by `seq` goes. */
export class ClaimTables {
  private days: Day[] = [];

  constructor(private readonly sql: SqlStorage) {
    adoptLegacyTable(sql);
    createClaimTable(sql, KEPT_CLAIMS);
    rebuildClaimsView(sql);
    this.refresh();
  }

  /** Re-reads which days exist (after another writer created or dropped one; tests age claims so). */
  refresh(): void {
    this.days = numberedTables(this.sql, PREFIX).map((period) => {
      const name = claimTableOf(period);
      const firstSeq = this.sql.exec<{ n: number | null }>(`SELECT min(seq) AS n FROM ${name}`).one().n;
      return { period, name, firstSeq };
    });
  }

  /**
   * The table new claims go to at `now`: today's, created (with the view) when the day's first claim comes.
   * Call it outside a transaction that may roll back: the ledger remembers the table it created.
   */
  current(now: number, firstSeq: number): string {
    const newest = this.days.at(-1);
    // Never back into an older day (a clock step back): days must hold increasing numbers.
    const period = Math.max(Math.floor(now / CLAIM_PERIOD_MS), newest?.period ?? 0);
    if (newest?.period === period) {
      newest.firstSeq ??= firstSeq;
      return newest.name;
    }
    const name = claimTableOf(period);
    createClaimTable(this.sql, name);
    rebuildClaimsView(this.sql);
    this.days.push({ period, name, firstSeq });
    return name;
  }

  /**
   * Runs a statement that changes one claim by `seq` (`statement` names the table) on the table that holds
   * it; returns its rows (for `RETURNING`). A claim the day map does not place (moved by another writer) is
   * looked for in every table.
   */
  update<T extends Record<string, SqlStorageValue>>(
    seq: number,
    statement: (table: string) => string,
    ...params: SqlStorageValue[]
  ): T[] {
    const first = this.tableOf(seq);
    const cursor = this.sql.exec<T>(statement(first), ...params);
    const rows = cursor.toArray();
    if (cursor.rowsWritten > 0) return rows;
    this.refresh();
    for (const name of claimTableNames(this.sql)) {
      if (name === first) continue;
      const other = this.sql.exec<T>(statement(name), ...params);
      const found = other.toArray();
      if (other.rowsWritten > 0) return found;
    }
    return [];
  }

  /** The largest `seq` held (0 when none): one statement, a rowid seek per table. */
  maxSeq(): number {
    const arms = [KEPT_CLAIMS, ...this.days.map((day) => day.name)].map(
      (name) => `SELECT max(seq) AS hi FROM ${name}`,
    );
    return this.sql.exec<{ n: number }>(`SELECT coalesce(max(hi), 0) AS n FROM (${unionAll(arms)})`).one().n;
  }

  /**
   * Drops the days whose every claim is older than `retentionMs` (plus `marginMs` for clocks). First their
   * unfinished claims move to `claims_kept`, and the rows of the forgotten claims in other tables go
   * (outcomes, failed attempts, resends, kept requests). Their requests' segments were deleted days before,
   * by the purge that runs first (after REPLAY_RETENTION_HOURS; the bucket's lifecycle rule deletes any it
   * missed). Synchronous, so each day goes in one implicit transaction.
   *
   * The unfinished claims are found without reading the day (millions of rows on a busy shard): `retrying`
   * ones through the day's partial index, `accepted` ones from `acceptedFrom` (the accepted low-water mark:
   * no claim accepted since it was stored is older), and any other with a delivery still to run through its
   * `outcomes` row (`failed` or `held`), whatever its status: a replay held while its route is paused, or a
   * `dead` claim whose other route is held or whose replay still retries; and, through the partial index, a
   * `dead` claim whose latest replay has not begun (queued just before, or waiting in its lane: only a dead
   * claim still has its request this late, so only it can be replayed). Every other claim is finished
   * (`dead` ones too: the retention is the dead-letter window) and goes with its day.
   */
  dropExpired(now: number, retentionMs: number, marginMs: number, acceptedFrom: number): DroppedDays {
    const result: DroppedDays = { tables: 0, kept: 0, lastSeq: 0 };
    this.refresh();
    for (const day of [...this.days]) {
      if (claimKeptUntil(day.period * CLAIM_PERIOD_MS, retentionMs) + marginMs > now) break;
      const { first, last } = this.sql
        .exec<{ first: number | null; last: number | null }>(seqBoundsSql([day.name]))
        .one();
      if (first === null || last === null) {
        this.drop(day);
        result.tables++;
        continue;
      }
      // Not by status alone: a `dead` claim whose other route is held, or whose replay retries, has work left.
      const keep = (where: string, ...params: SqlStorageValue[]) =>
        this.sql
          .exec(
            `INSERT OR IGNORE INTO ${KEPT_CLAIMS} (${COLUMNS}) SELECT ${COLUMNS} FROM ${day.name}
             WHERE ${where} RETURNING seq`,
            ...params,
          )
          .toArray().length;
      const kept =
        keep("status IN ('retrying', 'dead') AND status = 'retrying'") +
        keep("seq >= ? AND status = 'accepted'", Math.max(first, acceptedFrom)) +
        keep(
          "seq IN (SELECT seq FROM outcomes WHERE seq BETWEEN ? AND ? AND state IN ('failed', 'held'))",
          first,
          last,
        ) +
        keep(`status IN ('retrying', 'dead') AND status = 'dead' AND ${REPLAY_PENDING(day.name)}`);
      // Only the rows these tables hold in the day's range are read (and each checked against the day).
      for (const table of ["outcomes", "failed_attempts", "resends", "kept_requests", "body_chunks"])
        this.sql.exec(
          `DELETE FROM ${table} WHERE seq BETWEEN ? AND ?
               AND EXISTS (SELECT 1 FROM ${day.name} d WHERE d.seq = ${table}.seq)
               AND NOT EXISTS (SELECT 1 FROM ${KEPT_CLAIMS} k WHERE k.seq = ${table}.seq)`,
          first,
          last,
        );
      result.lastSeq = Math.max(result.lastSeq, last);
      this.drop(day);
      result.tables++;
      result.kept += kept;
    }
    return result;
  }

  private drop(day: Day): void {
    this.sql.exec(`DROP TABLE ${day.name}`);
    rebuildClaimsView(this.sql);
    this.days = this.days.filter((other) => other !== day);
  }

  /** The day whose numbers include `seq`, or the kept claims for a number older than every day. */
  private tableOf(seq: number): string {
    let name = KEPT_CLAIMS;
    for (const day of this.days) {
      if (day.firstSeq !== null && day.firstSeq <= seq) name = day.name;
    }
    return name;
  }
}

/** One `ClaimTables` per ledger database, for the functions that are handed only its `SqlStorage`. */
const tablesBySql = new WeakMap<SqlStorage, ClaimTables>();

/** The claims tables of this database (set up on first use: legacy table adopted, view created). */
export function claimTables(sql: SqlStorage): ClaimTables {
  let tables = tablesBySql.get(sql);
  if (!tables) {
    tables = new ClaimTables(sql);
    tablesBySql.set(sql, tables);
  }
  return tables;
}
