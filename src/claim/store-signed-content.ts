/**
 * The ledger side of signed-content claims (see claim-signed-content.ts): records which event id first
 * brought a signed content. Claims live in one table per retention period (`signed_contents_<n>`, n =
 * claimed_at / retention): a claim is looked up in the current and the previous period, so it is kept for
 * at least the retention; a whole table is dropped once its period is two behind. A claim therefore costs
 * one written row and no index, and forgetting costs no row at all (a DELETE would cost one per claim).
 */

import type { AcceptOutcome, SignedContentClaim } from "./ledger-rpc";
import { numberedTables } from "./numbered-tables";

const PREFIX = "signed_contents_";

/** The SHA-256 as its 32 bytes (half the 64 hex characters it arrives as: every byte is kept for the retention). */
function digestBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}
const tableOf = (period: number) => `${PREFIX}${period}`;

export class SignedContents {
  private readonly created: Set<number>;

  constructor(private readonly sql: SqlStorage) {
    this.created = new Set(this.periods());
  }

  /** "accepted" when the content is new or already belongs to this id (a provider's retry), else "duplicate". */
  claim(claim: SignedContentClaim, retentionMs: number): AcceptOutcome {
    const period = Math.floor(claim.claimedAt / retentionMs);
    const created = this.ensureTable(period);
    try {
      return this.claimIn(period, claim);
    } catch (error) {
      // The caller's savepoint rolls the new table back with the claim: it must not be counted on.
      if (created) this.created.delete(period);
      throw error;
    }
  }

  private claimIn(period: number, claim: SignedContentClaim): AcceptOutcome {
    const digest = digestBytes(claim.digest);
    for (const p of [period, period - 1]) {
      if (!this.exists(p)) continue;
      const holder = this.sql
        .exec<{ event_id: string }>(
          `SELECT event_id FROM ${tableOf(p)} WHERE source = ? AND digest = ?`,
          claim.source,
          digest,
        )
        .toArray()[0]?.event_id;
      if (holder !== undefined) return holder === claim.id ? "accepted" : "duplicate";
    }
    this.sql.exec(
      `INSERT INTO ${tableOf(period)} (source, digest, event_id) VALUES (?, ?, ?)`,
      claim.source,
      digest,
      claim.id,
    );
    return "accepted";
  }

  /** Drops the tables of periods two or more behind `now`'s. */
  forgetOld(now: number, retentionMs: number): void {
    const current = Math.floor(now / retentionMs);
    for (const period of this.periods()) {
      if (period >= current - 1) continue;
      this.sql.exec(`DROP TABLE IF EXISTS ${tableOf(period)}`);
      this.created.delete(period);
    }
  }

  private periods(): number[] {
    return numberedTables(this.sql, PREFIX);
  }

  /** The tables this instance knows: listed once at start, then kept up to date as it creates and drops them. */
  private exists(period: number): boolean {
    return this.created.has(period);
  }

  /** Creates the period's table unless it exists; true when it created it. */
  private ensureTable(period: number): boolean {
    if (this.exists(period)) return false;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS ${tableOf(period)} (
        source TEXT NOT NULL, digest BLOB NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (source, digest)
      ) WITHOUT ROWID`,
    );
    this.created.add(period);
    return true;
  }
}
