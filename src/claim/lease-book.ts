/**
 * Leases of running deliveries, kept in the ledger's memory instead of a written row per attempt (a lease
 * row was 2 of the 24 rows an event used to cost). A lease exists so that two consumers never run the same
 * (event, delivery key) at once; only this Durable Object grants them, so memory is enough while it lives.
 *
 * What a restart loses is covered by the lease horizon: a persisted time before which every lease ever
 * granted ends. A new instance treats every unfinished delivery of an event it did not create as leased
 * until that horizon, so nothing a previous instance leased can start twice. The horizon is written only
 * when a lease would outlive it, and then moved a whole lease period further: about one row per lease
 * period per shard, whatever the traffic. docs/architecture.md, "Leases in memory".
 */
import * as SQL from "./ledger-sql";

type Lease = { attempt: number; until: number };

const HORIZON = "lease_horizon";

export class LeaseBook {
  private readonly leases = new Map<string, Lease>();
  /** Deliveries of pre-start events this instance has settled: the inherited lease no longer applies. */
  private readonly settledHere = new Set<string>();
  /** Every lease granted before this instance started ends before this time. */
  private readonly inheritedUntil: number;
  private horizon: number;

  constructor(
    private readonly sql: SqlStorage,
    /** Claims up to this seq existed before this instance: a previous one may have leased them. */
    private readonly seqAtStart: number,
  ) {
    this.horizon = sql.exec<{ value: number }>(SQL.SELECT_SETTING, HORIZON).toArray()[0]?.value ?? 0;
    this.inheritedUntil = this.horizon;
  }

  /** Until when a delivery is leased (by this instance, or possibly by a previous one); null when free. */
  heldUntil(seq: number, key: string, now: number): number | null {
    const id = `${seq}\n${key}`;
    const lease = this.leases.get(id);
    if (lease) return lease.until > now ? lease.until : null;
    if (seq <= this.seqAtStart && now < this.inheritedUntil && !this.settledHere.has(id))
      return this.inheritedUntil;
    return null;
  }

  /** The attempt number of the last lease granted here (expired or not), 0 when none. */
  lastAttempt(seq: number, key: string): number {
    return this.leases.get(`${seq}\n${key}`)?.attempt ?? 0;
  }

  /** Leases a delivery to one attempt; persists a later horizon when this lease would outlive it. */
  grant(seq: number, key: string, attempt: number, now: number, leaseMs: number): void {
    const until = now + leaseMs;
    this.leases.set(`${seq}\n${key}`, { attempt, until });
    if (until > this.horizon) {
      this.horizon = until + leaseMs;
      this.sql.exec(SQL.SET_SETTING, HORIZON, this.horizon);
    }
  }

  /**
   * Whether an attempt's outcome may be recorded (a fencing check), and forgets its lease. The holder of the
   * current lease may settle, expired or not, as long as no later attempt was begun. An attempt begun by a
   * previous instance (no lease here) may settle while no attempt of that number was settled yet.
   */
  release(seq: number, key: string, attempt: number, settledAttempts: number): boolean {
    const id = `${seq}\n${key}`;
    const lease = this.leases.get(id);
    if (lease) {
      if (lease.attempt !== attempt) return false;
      this.leases.delete(id);
      if (seq <= this.seqAtStart) this.settledHere.add(id);
      return true;
    }
    if (attempt <= settledAttempts) return false;
    if (seq <= this.seqAtStart) this.settledHere.add(id);
    return true;
  }

  /** Forgets leases expired for a while (their consumer is gone), so memory stays bounded. */
  prune(now: number, leaseMs: number): void {
    for (const [id, lease] of this.leases) if (lease.until + leaseMs < now) this.leases.delete(id);
    if (now >= this.inheritedUntil) this.settledHere.clear();
  }
}
