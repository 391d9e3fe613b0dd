/**
 * Drains the transactional outbox to the queue. New claims are sent in acceptance order, in bundles (one
 * queue message per BUNDLE_EVENTS claims sent together, event-message.ts), from the shard's
 * sent mark (`sent_through`: one number, kept in memory and persisted by the alarm, every
 * OUTBOX_REDRIVE_SECONDS at most, so it costs no written row per event or batch), and
 * claims handed back (`resends`: operator redrives, replays' lost messages, re-drives) are sent and then
 * forgotten. After a restart the persisted mark may be a few seconds behind: those claims are sent again,
 * which `beginDeliveries` absorbs (a message for a claim already delivered runs nothing).
 * Bounded: one call sends at most MAX_ROUNDS batches of each kind; only one drain runs at a time.
 */
import { describeError, logDebug, logError } from "../shared/log";
import type { EventBundle, EventMessage } from "./event-message";
import type { LeaseBook } from "./lease-book";
import { readSetting, writeSetting } from "./ledger-settings";
import * as SQL from "./ledger-sql";
import { messagesForEvent, newClaimMessages } from "./messages-for-event";
import type { QueueSender } from "./queue-sender";

const BATCH = 100;
const MAX_ROUNDS = 20;
const SENT_THROUGH = "sent_through";

export class Outbox {
  private running: Promise<boolean> | null = null;
  private rerun = false;
  private drainScheduled = false;
  private sentThrough: number;
  private persistedThrough: number;

  constructor(
    private readonly env: Env,
    private readonly sql: SqlStorage,
    private readonly sender: QueueSender,
    private readonly leases: LeaseBook,
  ) {
    this.sentThrough = readSetting(sql, SENT_THROUGH);
    this.persistedThrough = this.sentThrough;
  }

  /** Persists the sent mark when it moved (the alarm calls it; one written row per call at most). */
  persistMark(): void {
    if (this.sentThrough === this.persistedThrough) return;
    writeSetting(this.sql, SENT_THROUGH, this.sentThrough);
    this.persistedThrough = this.sentThrough;
  }

  /** The last seq sent to the queue (claims after it are still the outbox's). */
  get sentMark(): number {
    return this.sentThrough;
  }

  /** True while claims or resends wait to be sent. */
  hasPending(): boolean {
    const unsent = this.sql.exec(SQL.SELECT_UNSENT, this.sentThrough, 1).toArray().length > 0;
    return unsent || this.sql.exec<{ n: number }>(SQL.COUNT_RESENDS).one().n > 0;
  }

  /** Batches everything accepted in this turn of the event loop into one drain. */
  scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setTimeout(() => {
      this.drainScheduled = false;
      void this.drain();
    }, 0);
  }

  /**
   * Sends pending claims and resends. Returns false when a send failed; true otherwise, even when some
   * remain (past MAX_ROUNDS): the alarm then comes back for them. A drain asked for while one runs runs
   * right after it, so nothing accepted meanwhile waits for the alarm.
   */
  drain(): Promise<boolean> {
    if (this.running) {
      this.rerun = true;
      return this.running;
    }
    const run = async () => {
      let ok = true;
      do {
        this.rerun = false;
        ok = (await this.sendNew()) && (await this.sendResends());
      } while (ok && this.rerun);
      return ok;
    };
    this.running = run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async sendNew(): Promise<boolean> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const claims = this.sql.exec<SQL.ClaimRow>(SQL.SELECT_UNSENT, this.sentThrough, BATCH).toArray();
      const last = claims.at(-1);
      if (!last) return true;
      if (!(await this.send(newClaimMessages(claims), claims.length))) return false;
      this.sentThrough = last.seq;
      if (claims.length < BATCH) return true;
    }
    return true;
  }

  private async sendResends(): Promise<boolean> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const claims = this.sql.exec<SQL.ClaimRow>(SQL.SELECT_RESENDS, BATCH).toArray();
      if (claims.length === 0) return true;
      const now = Date.now();
      const messages = claims.flatMap((claim) => messagesForEvent(this.sql, this.leases, claim, now));
      if (!(await this.send(messages, claims.length))) return false;
      for (const claim of claims) this.sql.exec(SQL.DELETE_RESEND, claim.seq);
    }
    return true;
  }

  private async send(
    messages: MessageSendRequest<EventMessage | EventBundle>[],
    count: number,
  ): Promise<boolean> {
    try {
      await this.sender.send(messages);
      logDebug(this.env, "outbox", { outcome: "enqueued", count });
      return true;
    } catch (error) {
      logError("outbox", { outcome: "send_failed", count, error: describeError(error) });
      return false;
    }
  }
}
