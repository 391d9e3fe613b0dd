/**
 * Finds sent, unfinished events whose queue message may be gone, and hands them back to the outbox (the
 * `resends` table), which sends them with its guarantees. Two signals tell a lost message from a queued
 * one (docs/architecture.md, "A message lost after the send"):
 * - restart: an event sent before this ledger instance started may have been lost with the previous
 *   runtime (a local queue keeps messages in memory), unless a consumer has settled it since;
 * - silence: no consumer activity for STALLED_REDRIVE_SECONDS (or the event's age at its last activity,
 *   if longer, so that each re-send waits about twice as long as the one before).
 * A message that was not lost only becomes a duplicate, which `beginDeliveries` absorbs.
 *
 * Unfinished claims are found without an index of their own: `accepted` ones by a range scan from a
 * low-water mark (the oldest one still `accepted`, persisted when it moves), `retrying` ones through the
 * partial index `claims_failing`, which first-try deliveries never touch.
 */
import { claimTables } from "./claim-tables";
import type { LeaseBook } from "./lease-book";
import { readSetting, writeSetting } from "./ledger-settings";
import * as SQL from "./ledger-sql";

const BATCH = 100;
const MAX_ROUNDS = 20;
const LOW_WATER = "accepted_low_water";

export class LostMessageFinder {
  private lowWater: number;
  /** When this instance last handed each event back: the next re-send waits longer. */
  private readonly resentAt = new Map<number, number>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly leases: LeaseBook,
  ) {
    this.lowWater = readSetting(sql, LOW_WATER);
  }

  /**
   * Hands back every unfinished claim sent up to `sentMark` that is lost by either signal (`restart`: when
   * this instance started and what had been sent by then, or null once the restart signal was handled).
   * Returns how many were handed back for each signal, whether any claim is unfinished, and when the next
   * one becomes stalled.
   */
  handBack(
    sentMark: number,
    stallMs: number,
    restart: { at: number; sentThrough: number } | null,
    now: number,
  ): { afterRestart: number; stalled: number; unfinished: boolean; nextStallAt: number | null } {
    this.moveLowWater();
    let afterRestart = 0;
    let stalled = 0;
    let unfinished = false;
    let nextStallAt: number | null = null;
    let after = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const claims = this.sql
        .exec<SQL.ClaimRow>(SQL.SELECT_UNFINISHED, this.lowWater, sentMark, after, BATCH)
        .toArray();
      for (const claim of claims) {
        unfinished = true;
        const outcomes = this.sql.exec<SQL.OutcomeRow>(SQL.SELECT_OUTCOMES, claim.seq).toArray();
        // Held while its route is paused: resuming the route sends it, not silence.
        if (outcomes.some((row) => row.state === "held") && !outcomes.some((row) => row.state === "failed"))
          continue;
        const lastSettled = Math.max(0, ...outcomes.map((row) => row.updated_at));
        const lost = restart !== null && claim.seq <= restart.sentThrough && lastSettled < restart.at;
        const stallAt = this.stallAt(claim, outcomes, stallMs);
        if (lost || stallAt <= now) {
          this.sql.exec(SQL.INSERT_RESEND, claim.seq);
          this.resentAt.set(claim.seq, now);
          if (lost) afterRestart++;
          else stalled++;
        } else nextStallAt = Math.min(nextStallAt ?? stallAt, stallAt);
      }
      const last = claims.at(-1);
      if (!last || claims.length < BATCH) break;
      after = last.seq;
    }
    if (this.resentAt.size > 10_000) this.resentAt.clear();
    return { afterRestart, stalled, unfinished, nextStallAt };
  }

  /** When a claim counts as stalled: its last activity plus the silence allowed after it. */
  private stallAt(claim: SQL.ClaimRow, outcomes: SQL.OutcomeRow[], stallMs: number): number {
    let last = Math.max(
      claim.received_at,
      this.resentAt.get(claim.seq) ?? 0,
      this.leases.latestEnd(claim.seq),
    );
    for (const row of outcomes) last = Math.max(last, row.updated_at, row.not_before ?? 0);
    return last + Math.max(stallMs, last - claim.received_at);
  }

  /** The accepted low-water mark: every claim that has been `accepted` since it was stored is at or after it. */
  get acceptedFrom(): number {
    return this.lowWater;
  }

  /** Moves the low-water mark up to the oldest claim still `accepted` (one written row when it moves). */
  private moveLowWater(): void {
    const oldest = this.sql.exec<{ n: number }>(SQL.OLDEST_ACCEPTED, this.lowWater).toArray()[0]?.n;
    const next = oldest ?? claimTables(this.sql).maxSeq() + 1;
    if (next === this.lowWater) return;
    this.lowWater = next;
    writeSetting(this.sql, LOW_WATER, next);
  }
}
