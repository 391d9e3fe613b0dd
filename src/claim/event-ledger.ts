/**
 * The exactly-once ledger, one Durable Object per shard: the thin RPC surface over its jobs.
 * - claim and store each event with its outbox row, in one transaction (store-event.ts);
 * - drain the outbox to the queue (drain-outbox.ts), and re-drive what may have been lost
 *   (redrive-lost-messages.ts) from an alarm;
 * - the per (event, handler) delivery state machine (delivery-state.ts);
 * - operator actions: replay, redrive, reading a stored request (operator-actions.ts).
 *
 * The caller's 202 waits (output gate) until the accept transaction is durable. While any event is
 * unfinished an alarm stays planned at most RESTART_WATCH_MS ahead. Workerd re-arms persisted alarms when
 * it restarts, so after a crash the first alarm of the new instance re-sends what the dead runtime may have
 * lost (docs/architecture.md, "A message lost after the send").
 */
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import { settingsFrom } from "../config/settings";
import { purgeEventLog } from "../event-log/record-event-log";
import type { OutboxFaults } from "../shared/fault-injection";
import { log } from "../shared/log";
import { beginDeliveries, settleDeliveries } from "./delivery-state";
import { Outbox } from "./drain-outbox";
import { EventLogBuffer } from "./event-log-buffer";
import {
  AcceptInput,
  type AcceptOutcome,
  BeginInput,
  type BeginResult,
  EventKey,
  ListLogInput,
  type SettledStatus,
  SettleInput,
  SignedContentClaim,
  SummarizeLogInput,
} from "./ledger-rpc";
import * as SQL from "./ledger-sql";
import {
  type ClaimDetail,
  type ClaimPage,
  type ClaimSummary,
  listClaims,
  readClaim,
  summarizeClaims,
} from "./log-queries";
import { SentMarker } from "./mark-sent";
import { type ReplayStart, readStored, reviveDead, startReplay } from "./operator-actions";
import { ReplayBodyPurger } from "./purge-replay-bodies";
import { QueueSender } from "./queue-sender";
import { nextStallAt, redriveFromBeforeStart, redriveStalled } from "./redrive-lost-messages";
import { addMissingEventColumns, storeEvent } from "./store-event";
import { storeSignedContent } from "./store-signed-content";

const PURGE_INTERVAL_MS = 60 * 60 * 1000;
/**
 * While an event is unfinished, the alarm is never planned further ahead than this, so that a runtime
 * restarted after a crash (which re-arms persisted alarms) wakes the ledger and re-sends lost messages.
 */
const RESTART_WATCH_MS = 10_000;

export class EventLedger extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** When this instance started: events enqueued before it and untouched since may have lost their message. */
  private readonly startedAt = Date.now();
  private restartRedriveDone = false;
  private alarmAt: number | null = null;
  private readonly sender: QueueSender;
  private readonly marker: SentMarker;
  private readonly outbox: Outbox;
  private readonly bodyPurger: ReplayBodyPurger;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SQL.SCHEMA);
    addMissingEventColumns(this.sql);
    this.sender = new QueueSender(env);
    this.marker = new SentMarker(this.sql);
    this.bodyPurger = new ReplayBodyPurger(this.sql);
    this.outbox = new Outbox(env, this.sql, this.sender, this.marker, new EventLogBuffer(env.EVENT_LOG));
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  private get settings() {
    return settingsFrom(this.env);
  }

  /** Claims the event and stores it in the outbox, atomically; the outbox sends it right after. */
  accept(input: AcceptInput): AcceptOutcome {
    if (!storeEvent(this.ctx.storage, AcceptInput.parse(input))) return "duplicate";
    this.ensureAlarmBy(Date.now() + this.settings.OUTBOX_REDRIVE_SECONDS * 1000);
    this.outbox.scheduleDrain();
    return "accepted";
  }

  /** Claims signed content for an event id (presets whose signature does not cover the id). */
  claimSignedContent(input: SignedContentClaim): AcceptOutcome {
    const retentionMs = this.settings.CLAIM_RETENTION_DAYS * 86_400_000;
    return storeSignedContent(this.ctx.storage, SignedContentClaim.parse(input), retentionMs);
  }

  /** Leases every runnable handler of each event to the calling consumer, in one round trip per batch. */
  beginDeliveries(input: BeginInput): BeginResult[] {
    return beginDeliveries(this.sql, this.settings, BeginInput.parse(input));
  }

  /** Records handler outcomes (fenced by attempt number); returns each touched event's new status. */
  settleDeliveries(input: SettleInput): SettledStatus[] {
    return settleDeliveries(this.sql, SettleInput.parse(input));
  }

  /**
   * Numbers a new replay of an event (replays bypass deduplication on purpose); null when unknown, and
   * `claimKeptUntil` instead when its body is past the replay window.
   */
  startReplay(key: { source: string; id: string }): ReplayStart {
    const { source, id } = EventKey.parse(key);
    return startReplay(this.sql, source, id, this.settings.CLAIM_RETENTION_DAYS * 86_400_000);
  }

  /**
   * Gives an event's dead handlers a fresh set of attempts and sends the messages that run them through
   * the outbox; returns how many were revived (null: unknown event).
   */
  reviveDead(key: { source: string; id: string }): number | null {
    const { source, id } = EventKey.parse(key);
    const revived = reviveDead(this.ctx.storage, source, id);
    if (revived) {
      this.ensureAlarmBy(Date.now() + this.settings.OUTBOX_REDRIVE_SECONDS * 1000);
      this.outbox.scheduleDrain();
    }
    return revived;
  }

  /** The stored request: headers and the raw body, byte for byte; null once purged. */
  readStored(key: {
    source: string;
    id: string;
  }): { headers: Record<string, string>; body: Uint8Array } | null {
    const { source, id } = EventKey.parse(key);
    return readStored(this.sql, source, id);
  }

  /** Test-only seam (see src/shared/fault-injection.ts); refused unless ALLOW_FAULT_INJECTION is "true". */
  injectFaults(input: z.input<typeof OutboxFaults>): void {
    this.sender.injectFaults(input);
  }

  /** Test-only: faults not yet used and how many sends failed, as evidence that a send was tried. */
  faultReport() {
    return this.sender.faultReport();
  }

  private ensureAlarmBy(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /**
   * Drains the outbox, re-drives lost messages, forgets expired terminal events, drops the bodies of
   * finished events past the replay window (a bounded batch; it comes back soon while any remain), and plans
   * the next run: hourly while the instance holds events, so bodies go at most an hour after their window.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    this.marker.retrySkipped();
    let retrySoon = !(await this.outbox.drain());
    if (!retrySoon && !this.restartRedriveDone) {
      const result = await redriveFromBeforeStart(this.sql, this.sender, this.marker, this.startedAt);
      this.restartRedriveDone = result === "done";
      retrySoon = !this.restartRedriveDone;
    }
    const stallMs = this.settings.STALLED_REDRIVE_SECONDS * 1000;
    if (!retrySoon)
      retrySoon = (await redriveStalled(this.sql, this.sender, this.marker, stallMs)) !== "done";
    this.purgeExpired();
    const now = Date.now();
    const replayCutoff = now - this.settings.REPLAY_RETENTION_HOURS * 3_600_000;
    if (this.bodyPurger.purge(replayCutoff, now) === "more") retrySoon = true;
    if (retrySoon || this.count(SQL.COUNT_OUTBOX) > 0)
      this.ensureAlarmBy(now + this.settings.OUTBOX_REDRIVE_SECONDS * 1000);
    if (this.count(SQL.HAS_UNFINISHED) > 0) {
      this.ensureAlarmBy(now + RESTART_WATCH_MS);
      const stallAt = nextStallAt(this.sql, stallMs);
      if (stallAt !== null) this.ensureAlarmBy(Math.max(stallAt, now + 1000));
    }
    if (this.count(SQL.COUNT_EVENTS) > 0) this.ensureAlarmBy(now + PURGE_INTERVAL_MS);
  }

  private purgeExpired(): void {
    const cutoff = Date.now() - this.settings.CLAIM_RETENTION_DAYS * 86_400_000;
    const expired = this.sql
      .exec<{ source: string; event_id: string; shard: number }>(SQL.SELECT_EXPIRED, cutoff)
      .toArray();
    for (const { source, event_id } of expired) {
      this.sql.exec(SQL.DELETE_BODY, source, event_id);
      this.sql.exec(SQL.DELETE_DELIVERIES, source, event_id);
      this.sql.exec(SQL.DELETE_EVENT, source, event_id);
    }
    if (expired[0]) {
      log("claim", { outcome: "purged", count: expired.length });
      void purgeEventLog(this.env.EVENT_LOG, expired[0].shard, cutoff);
    }
  }

  private count(query: string): number {
    return this.sql.exec<{ n: number }>(query).one().n;
  }

  /** One page of this shard's event log, newest first (the admin fan-out merges the shards' pages). */
  listLog(input: ListLogInput): ClaimPage {
    const { limit, ...filter } = ListLogInput.parse(input);
    return listClaims(this.sql, filter, limit);
  }

  /** One event's log row and attempts; null when this shard does not hold it. */
  readLog(key: { source: string; id: string }): ClaimDetail | null {
    const { source, id } = EventKey.parse(key);
    return readClaim(this.sql, source, id);
  }

  /** Counts and delivery latencies of this shard's claims received since `since` (ms). */
  summarizeLog(input: { since: number }): ClaimSummary {
    return summarizeClaims(this.sql, SummarizeLogInput.parse(input).since);
  }
}
