/**
 * Leases of running deliveries. A lease exists so that two consumers never run the same (event, delivery
 * key) at once, and so that only the current attempt may record its outcome. Only this Durable Object grants
 * them, so they are kept in memory, and persisted one row per `beginDeliveries` call (`lease_batches`: every
 * lease the call granted, as JSON) instead of one row per delivery: a new instance after a restart or an
 * eviction loads the rows whose leases have not ended, so a lease survives exactly as a row per delivery
 * would. Rows are deleted once every lease in them has ended. docs/architecture.md, "Leases".
 */
import { z } from "zod";

/** `alone`: the begin that granted it leased no other delivery of the claim (it may settle on the claim row). */
export type Lease = { attempt: number; until: number; alone?: boolean };

/** How a batch row stores its leases: [seq, delivery key, attempt] triples. */
const StoredLeases = z.array(z.tuple([z.number(), z.string(), z.number()]));

const INSERT_BATCH = "INSERT INTO lease_batches (until, leases) VALUES (?, ?)";
const SELECT_LIVE = "SELECT until, leases FROM lease_batches WHERE until > ?";
const DELETE_ENDED = "DELETE FROM lease_batches WHERE until <= ?";

/** An expired lease is forgotten a day after it ended (its consumer is long gone), so memory stays bounded. */
const PRUNE_AFTER_MS = 86_400_000;

export class LeaseBook {
  /** By claim seq, then delivery key. */
  private readonly leases = new Map<number, Map<string, Lease>>();
  /** Leases granted by the `beginDeliveries` call running now, written as one row when it ends. */
  private granted: [number, string, number][] = [];
  private grantedUntil = 0;

  constructor(private readonly sql: SqlStorage) {
    for (const row of sql.exec<{ until: number; leases: string }>(SELECT_LIVE, Date.now()).toArray()) {
      const parsed = StoredLeases.safeParse(JSON.parse(row.leases));
      for (const [seq, key, attempt] of parsed.data ?? []) this.set(seq, key, { attempt, until: row.until });
    }
  }

  /**
   * Until when a delivery is leased; null when free. A lease whose attempt has already settled
   * (`settledAttempts`, from its `outcomes` row) is over even if it has not ended: it was loaded from a batch
   * row after a restart, and its holder released it in the previous instance's memory.
   */
  heldUntil(seq: number, key: string, now: number, settledAttempts = 0): number | null {
    const lease = this.leases.get(seq)?.get(key);
    return lease && lease.until > now && lease.attempt > settledAttempts ? lease.until : null;
  }

  /** Forgets every lease of a claim that is gone (forgotten after retention). */
  forget(seq: number): void {
    this.leases.delete(seq);
  }

  /** The attempt number of the last lease granted on a delivery (ended or not), 0 when none is known. */
  lastAttempt(seq: number, key: string): number {
    return this.leases.get(seq)?.get(key)?.attempt ?? 0;
  }

  /** When the latest lease on any delivery of a claim ends (ended or not); 0 when none is known. */
  latestEnd(seq: number): number {
    return Math.max(0, ...[...(this.leases.get(seq)?.values() ?? [])].map((lease) => lease.until));
  }

  /** Leases a delivery to one attempt; `persistGrants` writes every grant since the last call as one row. */
  grant(seq: number, key: string, attempt: number, until: number, alone: boolean): void {
    this.set(seq, key, { attempt, until, alone });
    this.granted.push([seq, key, attempt]);
    this.grantedUntil = Math.max(this.grantedUntil, until);
  }

  /** Writes the leases granted by the current call (one row), in the caller's transaction. */
  persistGrants(): void {
    if (this.granted.length > 0) this.sql.exec(INSERT_BATCH, this.grantedUntil, JSON.stringify(this.granted));
    this.granted = [];
    this.grantedUntil = 0;
  }

  /**
   * Whether an attempt's outcome may be recorded (a fencing check), and forgets its lease. The holder of the
   * last lease may settle, ended or not, as long as no later attempt was begun. An attempt whose lease is not
   * known any more (forgotten a day after it ended) may settle while no attempt of its number has.
   * Returns the released lease, or null when the outcome must be ignored.
   */
  release(seq: number, key: string, attempt: number, settledAttempts: number): Lease | null {
    const forClaim = this.leases.get(seq);
    const lease = forClaim?.get(key);
    if (!lease) return attempt > settledAttempts ? { attempt, until: 0 } : null;
    if (lease.attempt !== attempt) return null;
    forClaim?.delete(key);
    if (forClaim?.size === 0) this.leases.delete(seq);
    return lease;
  }

  /** Deletes the rows whose leases have all ended, and forgets leases that ended a day ago. */
  prune(now: number): void {
    this.sql.exec(DELETE_ENDED, now);
    for (const [seq, forClaim] of this.leases) {
      for (const [key, lease] of forClaim) if (lease.until + PRUNE_AFTER_MS < now) forClaim.delete(key);
      if (forClaim.size === 0) this.leases.delete(seq);
    }
  }

  private set(seq: number, key: string, lease: Lease): void {
    const forClaim = this.leases.get(seq) ?? new Map<string, Lease>();
    forClaim.set(key, lease);
    this.leases.set(seq, forClaim);
  }
}
