/**
 * The LaneKeeper: one Durable Object per (route, lane group) holding the FIFO of each ordered lane whose
 * key hashes to the group (lane-book.ts). Ingress appends each accepted event; the consumer asks whether an
 * event is its lane's head (`admit`) and reports how its delivery ended (`report`); the keeper then sends the
 * next head's queue message itself, so a waiting event costs no attempt and no queue retries. Owed messages
 * are sent from an alarm until the send succeeds, and a head with no news for a while is checked against the
 * ledger, so a lost report cannot stall its lane. docs/architecture.md, "Ordered lanes".
 */
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import type { EventMessage } from "../claim/event-message";
import { QueueSender } from "../claim/queue-sender";
import { ledgerFor } from "../claim/shard-for-event";
import { settingsFrom } from "../config/settings";
import type { OutboxFaults } from "../shared/fault-injection";
import { faultInjectionAllowed } from "../shared/fault-injection";
import { describeError, log, logError } from "../shared/log";
import { LaneBook } from "./lane-book";
import { type LaneAdmission, LaneCall, LaneFilter, LaneKey, LaneReport, type LaneView } from "./lane-schemas";
import { LANE_SCHEMA } from "./lane-sql";

/** A failed send is tried again this much later. */
const RESEND_MS = 5_000;
/** A head without any news for this long is checked against the ledger. */
const HEAD_CHECK_MS = 60_000;
/** While it holds only idle lanes, the keeper looks for ones to forget this often. */
const FORGET_CHECK_MS = 86_400_000;

export class LaneKeeper extends DurableObject<Env> {
  private readonly book: LaneBook;
  private readonly sender: QueueSender;
  /** The planned alarm, kept in memory: a later plan never pushes an earlier one back. */
  private alarmAt: number | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(LANE_SCHEMA);
    this.book = new LaneBook(ctx.storage.sql);
    this.sender = new QueueSender(env);
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Appends an accepted event to its lane (idempotent); returns its seq and state there. */
  async append(input: LaneCall): Promise<{ seq: number; state: string }> {
    const entry = this.book.append(LaneCall.parse(input), Date.now());
    await this.afterChange();
    return { seq: entry.seq, state: entry.state };
  }

  /** May this event's delivery start now? */
  async admit(input: LaneCall): Promise<LaneAdmission> {
    const admission = this.book.admit(LaneCall.parse(input), Date.now());
    await this.afterChange();
    return admission;
  }

  /** How an admitted (or superseded) delivery ended, once the ledger recorded it. */
  async report(input: LaneReport): Promise<void> {
    this.book.report(LaneReport.parse(input), Date.now());
    await this.afterChange();
  }

  /** An operator skips the blocked head of a lane; null when the lane is not blocked. */
  async skip(key: string): Promise<LaneView | null> {
    const laneKey = LaneKey.parse(key);
    if (!this.book.skip(laneKey, Date.now())) return null;
    await this.afterChange();
    return this.book.view(laneKey);
  }

  /** One lane; null when this key never had one here. */
  lane(key: string): LaneView | null {
    return this.book.view(LaneKey.parse(key));
  }

  /** The lanes with events, or blocked, narrowed by `state`. */
  lanes(state?: string): LaneView[] {
    return this.book.list(LaneFilter.parse(state));
  }

  /** Test-only seam (src/shared/fault-injection.ts): the keeper's queue sends fail. */
  injectFaults(input: z.input<typeof OutboxFaults>): void {
    this.sender.injectFaults(input);
  }

  /** Test-only: faults not yet used and how many sends failed, as evidence that a send was tried. */
  faultReport() {
    return this.sender.faultReport();
  }

  /** Test-only: the messages this keeper owes and has not sent yet. */
  owedMessages(): EventMessage[] {
    if (!faultInjectionAllowed(this.env)) throw new Error("fault injection is disabled");
    return this.book.owed().map(({ entry, route }) => messageOf(entry, route));
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.checkIdleHeads();
    const forgotten = this.book.forgetIdle(
      Date.now() - settingsFrom(this.env).CLAIM_RETENTION_DAYS * 86_400_000,
    );
    if (forgotten > 0) log("lane", { outcome: "forgot_idle_lanes", count: forgotten });
    await this.afterChange();
  }

  /** Sends what is owed; plans the next alarm: soon while a send failed, else to check the heads. */
  private async afterChange(): Promise<void> {
    const owed = this.book.owed();
    let failed = false;
    if (owed.length > 0) {
      // Planned before the send: a keeper that dies while sending still wakes up to send again.
      await this.ensureAlarmBy(Date.now() + RESEND_MS);
      try {
        await this.sender.send(
          owed.map(({ entry, route }) => ({ body: messageOf(entry, route), contentType: "json" })),
        );
        for (const { entry } of owed) this.book.clearOwed(entry);
        log("lane", { outcome: "sent", count: owed.length });
      } catch (error) {
        failed = true;
        logError("lane", { outcome: "send_failed", count: owed.length, error: describeError(error) });
      }
    }
    if (failed) return;
    if (this.book.owed().length > 0) await this.ensureAlarmBy(Date.now());
    else if (this.book.hasHeads()) await this.ensureAlarmBy(Date.now() + HEAD_CHECK_MS);
    else if (this.book.hasLanes()) await this.ensureAlarmBy(Date.now() + FORGET_CHECK_MS);
  }

  private async ensureAlarmBy(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  /**
   * A head whose report was lost (the consumer died after the ledger recorded its outcome) would hold its lane
   * forever: heads without news for HEAD_CHECK_MS are looked up in the ledger and finished from there.
   */
  private async checkIdleHeads(): Promise<void> {
    const now = Date.now();
    for (const { entry, lane } of this.book.idleHeads(now - HEAD_CHECK_MS)) {
      const event = { source: entry.source, id: entry.event_id, type: entry.type, shard: entry.shard };
      let state: string | null;
      try {
        state = await ledgerFor(this.env, entry.shard).deliveryState({ ...event, handler: lane.route });
      } catch (error) {
        logError("lane", { outcome: "head_check_failed", id: entry.event_id, error: describeError(error) });
        continue;
      }
      const outcome =
        state === "done" || state === "suppressed"
          ? "done"
          : state === "dead" || state === "superseded"
            ? state
            : null;
      if (outcome === null) {
        this.book.touch(entry, now);
        continue;
      }
      log("lane", { outcome: "head_finished_from_ledger", route: lane.route, id: entry.event_id, state });
      const policy = this.book.policyOf(lane);
      this.book.report(
        { route: lane.route, key: lane.lane_key, policy, event, orderValue: null, outcome, error: null },
        now,
      );
    }
  }
}

/** The queue message that runs (or settles) an entry's delivery to its route, and only that one. */
function messageOf(entry: { source: string; event_id: string; type: string; shard: number }, route: string) {
  return {
    v: 1 as const,
    source: entry.source,
    id: entry.event_id,
    type: entry.type,
    shard: entry.shard,
    handler: route,
  } satisfies EventMessage;
}
