/**
 * The exactly-once ledger, one Durable Object per shard: the thin RPC surface over its jobs.
 * - claim and store each event (store-event.ts), concurrent claims sharing one commit (group-commit.ts);
 * - drain the outbox to the queue (drain-outbox.ts), and hand back what may have been lost
 *   (redrive-lost-messages.ts) from an alarm;
 * - the per (event, delivery key) state machine (delivery-state.ts, leases in lease-book.ts);
 * - operator actions: replay, redrive, reading a stored request (operator-actions.ts);
 * - forgetting requests after the replay window (stored-requests.ts) and claims after retention
 *   (forget-expired.ts).
 *
 * The caller's 202 waits (output gate) until the accept transaction is durable. While any event is
 * unfinished an alarm stays planned at most RESTART_WATCH_MS ahead. Workerd re-arms persisted alarms when
 * it restarts, so after a crash the first alarm of the new instance re-sends what the dead runtime may have
 * lost (docs/architecture.md, "A message lost after the send").
 */
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import { settingsFrom } from "../config/settings";
import type { OutboxFaults } from "../shared/fault-injection";
import { describeError, log, logError } from "../shared/log";
import { type ClaimTables, claimTables } from "./claim-tables";
import { beginDeliveries, releaseHeld, settleDeliveries, type Unread } from "./delivery-state";
import { Outbox } from "./drain-outbox";
import { FORGET_BATCH, FORGOTTEN_THROUGH, forgetExpired } from "./forget-expired";
import { GroupCommit } from "./group-commit";
import { LeaseBook } from "./lease-book";
import {
  AcceptInput,
  type AcceptOutcome,
  BeginInput,
  type BeginResult,
  DeliveryOf,
  EventKey,
  HandlerName,
  ListLogInput,
  type SettledStatus,
  SettleInput,
  SignedContentClaim,
  SummarizeLogInput,
} from "./ledger-rpc";
import { LEDGER_SCHEMA } from "./ledger-schema";
import * as SQL from "./ledger-sql";
import {
  type ClaimDetail,
  type ClaimPage,
  type ClaimSummary,
  listClaims,
  RECEIVED_AT_SKEW_MS,
  readClaim,
  routeActivity,
  summarizeClaims,
} from "./log-queries";
import { type ReplayStart, readStored, reviveDead, startReplay } from "./operator-actions";
import { QueueSender } from "./queue-sender";
import { LostMessageFinder } from "./redrive-lost-messages";
import { SeqCounter, type StagedClaim, stageAccepts, storeEvent } from "./store-event";
import { SignedContents } from "./store-signed-content";
import { type StoredRequest, StoredRequests } from "./stored-requests";

const PURGE_INTERVAL_MS = 60 * 60 * 1000;
/**
 * While an event is unfinished, the alarm is never planned further ahead than this, so that a runtime
 * restarted after a crash (which re-arms persisted alarms) wakes the ledger and re-sends lost messages.
 */
const RESTART_WATCH_MS = 10_000;

export class EventLedger extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly claims: ClaimTables;
  /** When this instance started, and what had been sent by then: those messages may have died with it. */
  private restart: { at: number; sentThrough: number } | null;
  private alarmAt: number | null = null;
  /** When this instance last forgot what retention no longer keeps (never: its first alarm does). */
  private purgedAt = Number.NEGATIVE_INFINITY;
  private readonly sender: QueueSender;
  private readonly leases: LeaseBook;
  private readonly outbox: Outbox;
  private readonly lost: LostMessageFinder;
  private readonly group: GroupCommit<AcceptInput, StagedClaim>;
  /** Signed-content claims commit in groups of their own: they need no R2 write, so they never wait for one. */
  private readonly contentGroup: GroupCommit;
  private readonly seqs: SeqCounter;
  private readonly signedContents: SignedContents;
  private readonly requests: StoredRequests;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(LEDGER_SCHEMA);
    this.claims = claimTables(this.sql);
    this.sender = new QueueSender(env);
    this.leases = new LeaseBook(this.sql);
    this.outbox = new Outbox(env, this.sql, this.sender, this.leases);
    this.lost = new LostMessageFinder(this.sql, this.leases);
    this.restart = { at: Date.now(), sentThrough: this.outbox.sentMark };
    this.seqs = new SeqCounter(this.sql, this.outbox.sentMark);
    this.signedContents = new SignedContents(this.sql);
    this.requests = new StoredRequests(
      this.sql,
      env.STORED_REQUESTS,
      `requests/${ctx.id.toString()}/`,
      this.settings.REPLAY_RETENTION_HOURS * 3_600_000,
    );
    this.group = new GroupCommit(
      ctx.storage,
      () => this.afterAccept(),
      (events) => stageAccepts(this.sql, this.seqs, this.requests, events),
    );
    this.contentGroup = new GroupCommit(ctx.storage, () => {});
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  private get settings() {
    return settingsFrom(this.env);
  }

  /** Claims the event and stores it in the outbox, in the shard's next group commit; the outbox sends it right after. */
  accept(input: AcceptInput): Promise<AcceptOutcome> {
    const event = AcceptInput.parse(input);
    return this.group.run((staged) => storeEvent(this.sql, staged, event), event);
  }

  /** Claims signed content for an event id (presets whose signature does not cover the id). */
  claimSignedContent(input: SignedContentClaim): Promise<AcceptOutcome> {
    const claim = SignedContentClaim.parse(input);
    const retentionMs = this.settings.CLAIM_RETENTION_DAYS * 86_400_000;
    return this.contentGroup.run(() => this.signedContents.claim(claim, retentionMs));
  }

  private afterAccept(): void {
    this.ensureAlarmBy(Date.now() + this.settings.OUTBOX_REDRIVE_SECONDS * 1000);
    this.outbox.scheduleDrain();
  }

  /** Leases every runnable delivery of each event to the calling consumer, in one round trip per batch. */
  beginDeliveries(input: BeginInput): Promise<BeginResult[]> {
    const items = BeginInput.parse(input);
    return this.withUnreadRequests(
      beginDeliveries(this.sql, this.leases, this.requests, this.settings, items),
    );
  }

  /** Reads the requests whose segment is not in memory (a retry, a new instance) from R2, concurrently. */
  private async withUnreadRequests(begun: {
    results: BeginResult[];
    unread: Unread[];
  }): Promise<BeginResult[]> {
    await Promise.all(
      begun.unread.map(async ({ result, claim }) => {
        const begin = begun.results[result];
        const stored = await this.requests.read(claim);
        if (begin?.found && stored)
          begun.results[result] = { ...begin, event: { ...begin.event, ...stored } };
      }),
    );
    return begun.results;
  }

  /** Records delivery outcomes (fenced by attempt number); returns each touched event's new status. */
  settleDeliveries(input: SettleInput): SettledStatus[] {
    return settleDeliveries(this.sql, this.leases, SettleInput.parse(input));
  }

  /** Sends the deliveries of a route held while it was paused, in acceptance order; returns how many. */
  releaseHeld(route: string): number {
    const released = releaseHeld(this.sql, HandlerName.parse(route));
    if (released > 0) this.afterAccept();
    return released;
  }

  /**
   * The settled state of one delivery (`done`, `failed`, `dead`, `suppressed`, `superseded`); null while
   * none was recorded or the event is unknown. Ordered lanes read it to finish a head whose report was lost.
   */
  deliveryState(input: { source: string; id: string; handler: string }): string | null {
    const { source, id, handler } = DeliveryOf.parse(input);
    const claim = this.sql.exec<SQL.ClaimRow>(SQL.SELECT_CLAIM, source, id).toArray()[0];
    if (!claim) return null;
    const rows = this.sql.exec<SQL.OutcomeRow>(SQL.SELECT_OUTCOMES, claim.seq).toArray();
    // A delivered claim has every delivery done, also one recorded on the claim row alone.
    return (
      rows.find((row) => row.handler === handler)?.state ?? (claim.status === "delivered" ? "done" : null)
    );
  }

  /**
   * Numbers a new replay of an event (replays bypass deduplication on purpose); null when unknown, and
   * `claimKeptUntil` instead when its body is past the replay window.
   */
  startReplay(key: { source: string; id: string }): ReplayStart {
    const { source, id } = EventKey.parse(key);
    return startReplay(this.sql, this.requests, source, id, this.settings.CLAIM_RETENTION_DAYS * 86_400_000);
  }

  /**
   * Gives an event's dead deliveries a fresh set of attempts and sends the messages that run them through
   * the outbox; returns how many were revived (null: unknown event).
   */
  reviveDead(key: { source: string; id: string }): number | null {
    const { source, id } = EventKey.parse(key);
    const revived = reviveDead(this.ctx.storage, source, id);
    if (revived) this.afterAccept();
    return revived;
  }

  /** The stored request: headers and the raw body, byte for byte; null once purged. */
  readStored(key: { source: string; id: string }): Promise<StoredRequest | null> {
    const { source, id } = EventKey.parse(key);
    return readStored(this.sql, this.requests, source, id);
  }

  /** Test-only seam (see src/shared/fault-injection.ts); refused unless ALLOW_FAULT_INJECTION is "true". */
  injectFaults(input: z.input<typeof OutboxFaults>): void {
    this.sender.injectFaults(input);
    const { failRequestWrites, failRequestReads } = this.sender.faultReport();
    this.requests.failNext(failRequestWrites, failRequestReads);
  }

  /** Test-only: faults not yet used and how many sends failed, as evidence that a send was tried. */
  faultReport() {
    return this.sender.faultReport();
  }

  /**
   * Forgets what retention and the replay window no longer keep: expired claims (a bounded batch: "more"
   * while any remain), signed-content periods and request hours. Runs at the first alarm of an instance,
   * then hourly (the alarm runs every few seconds under traffic; these scans need not).
   */
  private async forgetOld(now: number): Promise<"done" | "more"> {
    const settings = this.settings;
    const retentionMs = settings.CLAIM_RETENTION_DAYS * 86_400_000;
    // Requests first: segments are found through their claims, so one whose claims expire now would stay in R2.
    // While R2 fails, nothing is forgotten (the claims still find their segments) and the alarm comes back soon.
    let requests: "done" | "more";
    try {
      requests = await this.requests.purge(now - settings.REPLAY_RETENTION_HOURS * 3_600_000);
    } catch (error) {
      logError("claim", { outcome: "request_purge_failed", error: describeError(error) });
      return "more";
    }
    // Whole days first (no row written per claim), then the kept claims of dropped days one by one.
    const days = this.claims.dropExpired(now, retentionMs, RECEIVED_AT_SKEW_MS, this.lost.acceptedFrom);
    if (days.lastSeq > 0) this.sql.exec(SQL.SET_SETTING_AT_LEAST, FORGOTTEN_THROUGH, days.lastSeq);
    if (days.tables > 0) log("claim", { outcome: "purged_days", count: days.tables, kept: days.kept });
    // A replay not begun in a whole further retention was never sent: its claim goes then.
    const forgotten = forgetExpired(this.sql, now - retentionMs, now - 2 * retentionMs);
    for (const claim of forgotten) {
      this.leases.forget(claim.seq);
      this.requests.forget(claim);
    }
    if (forgotten.length > 0) log("claim", { outcome: "purged", count: forgotten.length });
    this.signedContents.forgetOld(now, retentionMs);
    if (forgotten.length === FORGET_BATCH || requests === "more") return "more";
    this.purgedAt = now;
    return "done";
  }

  private ensureAlarmBy(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /**
   * Drains the outbox, hands back lost messages (and drains again), forgets expired claims and the requests
   * of finished events past the replay window (bounded batches; it comes back soon while any remain), and
   * plans the next run: hourly while the instance holds claims, so requests go at most an hour late.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const settings = this.settings;
    let now = Date.now();
    this.leases.prune(now);
    let retrySoon = !(await this.outbox.drain());
    const found = this.lost.handBack(
      this.outbox.sentMark,
      settings.STALLED_REDRIVE_SECONDS * 1000,
      this.restart,
      now,
    );
    if (!retrySoon) this.restart = null;
    if (found.afterRestart > 0)
      log("outbox", { outcome: "redriven_after_restart", count: found.afterRestart });
    if (found.stalled > 0) log("outbox", { outcome: "redriven_stalled", count: found.stalled });
    if (found.afterRestart + found.stalled > 0) {
      retrySoon = !(await this.outbox.drain()) || retrySoon;
    }
    now = Date.now();
    if (now - this.purgedAt >= PURGE_INTERVAL_MS && (await this.forgetOld(now)) === "more") retrySoon = true;
    this.outbox.persistMark();
    if (retrySoon || this.outbox.hasPending())
      this.ensureAlarmBy(now + settings.OUTBOX_REDRIVE_SECONDS * 1000);
    if (found.unfinished || this.restart !== null) {
      this.ensureAlarmBy(now + RESTART_WATCH_MS);
      if (found.nextStallAt !== null) this.ensureAlarmBy(Math.max(found.nextStallAt, now + 1000));
    }
    if (this.sql.exec<{ n: number }>(SQL.HAS_CLAIMS).one().n > 0) this.ensureAlarmBy(now + PURGE_INTERVAL_MS);
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

  /** Per route, this shard's deliveries of the claims received since `since` (ms): done, dead, pending. */
  routeActivity(input: { since: number }) {
    return routeActivity(this.sql, SummarizeLogInput.parse(input).since);
  }
}
