/**
 * The exactly-once ledger. One instance per shard stores, in SQLite:
 * - the claim of each `(source, event id)` together with the event itself (the transactional outbox);
 * - per `(event, handler)` delivery state, so queue redeliveries never run a completed handler again.
 *
 * Accepting is one synchronous transaction, so concurrent duplicates cannot both win, and the caller's
 * 202 waits (output gate) until that write is durable. The outbox drains to the queue right after, and
 * an alarm re-drives whatever was not confirmed, so a failed or hung `send` never loses an event. The
 * alarm also re-sends an enqueued event that no consumer has touched for STALLED_REDRIVE_SECONDS, so a
 * message the queue lost (local queues live in memory) cannot strand it; duplicates are absorbed.
 */
import { DurableObject } from "cloudflare:workers";
import type { z } from "zod";
import { settingsFrom } from "../config/settings";
import { type AcceptedRow, purgeEventLog, recordAccepted } from "../event-log/record-event-log";
import type { EventMessage } from "../queue/event-message";
import { faultInjectionAllowed, OutboxFaults } from "../shared/fault-injection";
import { describeError, log, logDebug, logError } from "../shared/log";
import { withTimeout } from "../shared/with-timeout";
import {
  AcceptInput,
  type AcceptOutcome,
  BeginInput,
  type BeginResult,
  EventKey,
  type EventStatus,
  type HandlerDecision,
  type SettledStatus,
  SettleInput,
  SignedContentClaim,
} from "./ledger-rpc";
import * as SQL from "./ledger-sql";

type OutboxRow = {
  source: string;
  event_id: string;
  type: string;
  shard: number;
  received_at: number;
  body_size: number;
};

/** DO SQLite values are capped at 2 MB; bodies are stored in 1 MiB chunks. */
const BODY_CHUNK_BYTES = 1024 * 1024;
/** Bodies up to this size travel inline with `beginDeliveries`; larger ones are read separately. */
const INLINE_BODY_BYTES = 256 * 1024;
const OUTBOX_BATCH = 100;
const SEND_TIMEOUT_MS = 10_000;
const PURGE_INTERVAL_MS = 60 * 60 * 1000;
const EVENT_LOG_FLUSH_MS = 250;
const EVENT_LOG_BATCH = 100;

export class EventLedger extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly inFlight = new Set<string>();
  private drainScheduled = false;
  private alarmAt: number | null = null;
  private unloggedAccepts: AcceptedRow[] = [];
  private eventLogFlushScheduled = false;
  private faults: OutboxFaults = OutboxFaults.parse({});

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SQL.SCHEMA);
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  private get settings() {
    return settingsFrom(this.env);
  }

  /** Claims the event and stores it in the outbox, atomically. */
  accept(input: AcceptInput): AcceptOutcome {
    const event = AcceptInput.parse(input);
    const inserted = this.ctx.storage.transactionSync(() => {
      const claimed = this.sql
        .exec(
          SQL.INSERT_EVENT,
          event.source,
          event.id,
          event.type,
          event.receivedAt,
          JSON.stringify(event.headers),
          event.body.byteLength,
          event.shard,
        )
        .toArray();
      if (claimed.length === 0) return false;
      for (let offset = 0, chunk = 0; offset < event.body.byteLength || chunk === 0; chunk++) {
        const data = event.body.subarray(offset, offset + BODY_CHUNK_BYTES);
        this.sql.exec(SQL.INSERT_BODY_CHUNK, event.source, event.id, chunk, data);
        offset += BODY_CHUNK_BYTES;
      }
      return true;
    });
    if (!inserted) return "duplicate";
    this.ensureAlarmBy(Date.now() + this.settings.OUTBOX_REDRIVE_SECONDS * 1000);
    this.scheduleDrain();
    return "accepted";
  }

  /**
   * Claims signed content for an event id, for presets whose signature does not cover the id: "claimed"
   * when the content is new or already belongs to this id (a provider's retry), else "duplicate".
   */
  claimSignedContent(input: SignedContentClaim): AcceptOutcome {
    const claim = SignedContentClaim.parse(input);
    const retention = this.settings.CLAIM_RETENTION_DAYS * 86_400_000;
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec(SQL.FORGET_SIGNED_CONTENTS, claim.claimedAt - retention);
      const holder = this.sql
        .exec<{ event_id: string }>(
          SQL.CLAIM_SIGNED_CONTENT,
          claim.source,
          claim.digest,
          claim.id,
          claim.claimedAt,
        )
        .one().event_id;
      return holder === claim.id ? "accepted" : "duplicate";
    });
  }

  /** Batches every event accepted in this turn of the event loop into one `sendBatch`. */
  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setTimeout(() => {
      this.drainScheduled = false;
      void this.drainOutbox();
    }, 0);
  }

  /** Sends pending outbox rows to the queue; returns false when a send failed. */
  private async drainOutbox(): Promise<boolean> {
    for (;;) {
      const rows = this.sql
        .exec<OutboxRow>(SQL.SELECT_OUTBOX, OUTBOX_BATCH * 2)
        .toArray()
        .filter((row) => !this.inFlight.has(`${row.source}\n${row.event_id}`))
        .slice(0, OUTBOX_BATCH);
      if (rows.length === 0) return true;
      const keys = rows.map((row) => `${row.source}\n${row.event_id}`);
      for (const key of keys) this.inFlight.add(key);
      try {
        await this.sendWithTimeout(rows);
        const now = Date.now();
        for (const row of rows) this.sql.exec(SQL.MARK_ENQUEUED, now, row.source, row.event_id);
        logDebug(this.env, "outbox", { outcome: "enqueued", count: rows.length });
        this.addToEventLog(rows);
      } catch (error) {
        logError("outbox", { outcome: "send_failed", count: rows.length, error: describeError(error) });
        this.ensureAlarmBy(Date.now() + this.settings.OUTBOX_REDRIVE_SECONDS * 1000);
        return false;
      } finally {
        for (const key of keys) this.inFlight.delete(key);
      }
    }
  }

  /**
   * Coalesces the event log's "accepted" rows into one D1 batch per EVENT_LOG_FLUSH_MS (or per
   * EVENT_LOG_BATCH rows) instead of one per queue send. Rows still waiting when the instance is evicted
   * are not lost from the log for good: the consumer's outcome upsert creates the row when it settles.
   */
  private addToEventLog(rows: OutboxRow[]): void {
    this.unloggedAccepts.push(
      ...rows.map((row) => ({
        source: row.source,
        id: row.event_id,
        type: row.type,
        receivedAt: row.received_at,
        bodySize: row.body_size,
        shard: row.shard,
      })),
    );
    if (this.unloggedAccepts.length >= EVENT_LOG_BATCH) {
      void this.flushEventLog();
    } else if (!this.eventLogFlushScheduled) {
      this.eventLogFlushScheduled = true;
      setTimeout(() => void this.flushEventLog(), EVENT_LOG_FLUSH_MS);
    }
  }

  private flushEventLog(): Promise<void> {
    const rows = this.unloggedAccepts;
    this.unloggedAccepts = [];
    this.eventLogFlushScheduled = false;
    return recordAccepted(this.env.EVENT_LOG, rows);
  }

  /**
   * Sends an event again when it was enqueued but no consumer has started, leased, retried or finished
   * it for STALLED_REDRIVE_SECONDS (or longer, see SQL.SELECT_STALLED): the queue may have lost the
   * message (a local queue loses everything on a crash). A message that was not lost only becomes a
   * duplicate, which `beginDeliveries` absorbs. Returns false when the send failed.
   */
  private async redriveStalled(): Promise<boolean> {
    const rows = this.sql
      .exec<OutboxRow>(SQL.SELECT_STALLED, this.stallMs, Date.now(), OUTBOX_BATCH)
      .toArray();
    if (rows.length === 0) return true;
    try {
      await this.sendWithTimeout(rows);
    } catch (error) {
      logError("outbox", { outcome: "redrive_failed", count: rows.length, error: describeError(error) });
      return false;
    }
    const now = Date.now();
    for (const row of rows) this.sql.exec(SQL.MARK_REDRIVEN, now, row.source, row.event_id);
    log("outbox", { outcome: "redriven_stalled", count: rows.length });
    return true;
  }

  /** When the next unfinished event becomes stalled; null when no event is unfinished. */
  private nextStallAt(): number | null {
    return this.sql.exec<{ at: number | null }>(SQL.NEXT_STALLED_AT, this.stallMs).one().at;
  }

  private get stallMs(): number {
    return this.settings.STALLED_REDRIVE_SECONDS * 1000;
  }

  private sendWithTimeout(rows: OutboxRow[]): Promise<unknown> {
    const messages: MessageSendRequest<EventMessage>[] = rows.map((row) => ({
      body: { v: 1, source: row.source, id: row.event_id, type: row.type, shard: row.shard },
      contentType: "json",
    }));
    return withTimeout(this.sendBatch(messages), this.faults.sendTimeoutMs ?? SEND_TIMEOUT_MS, "queue send");
  }

  private sendBatch(messages: MessageSendRequest<EventMessage>[]): Promise<unknown> {
    if (this.faults.failSends > 0) {
      this.faults.failSends--;
      return Promise.reject(new Error("injected fault: queue send failed"));
    }
    if (this.faults.hangSends > 0) {
      this.faults.hangSends--;
      return new Promise(() => {});
    }
    return this.env.EVENTS_QUEUE.sendBatch(messages);
  }

  /** Test-only seam (see src/shared/fault-injection.ts); refused unless ALLOW_FAULT_INJECTION is "true". */
  injectFaults(input: z.input<typeof OutboxFaults>): void {
    if (!faultInjectionAllowed(this.env)) throw new Error("fault injection is disabled");
    this.faults = OutboxFaults.parse(input);
  }

  private ensureAlarmBy(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** Re-drives the outbox and stalled events, forgets expired terminal events, and plans the next run. */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const drained = (await this.drainOutbox()) && (await this.redriveStalled());
    this.purgeExpired();
    const now = Date.now();
    if (!drained || this.count(SQL.COUNT_OUTBOX) > 0) {
      this.ensureAlarmBy(now + this.settings.OUTBOX_REDRIVE_SECONDS * 1000);
      return;
    }
    const stallAt = this.nextStallAt();
    if (stallAt !== null) this.ensureAlarmBy(Math.max(stallAt, now + 1000));
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

  /**
   * Leases every runnable handler of each event to the calling consumer, in one round trip per batch.
   * A handler already done, dead, leased by another attempt, or waiting out its backoff is not run.
   */
  beginDeliveries(input: BeginInput): BeginResult[] {
    const items = BeginInput.parse(input);
    const now = Date.now();
    const leaseUntil = now + this.settings.HANDLER_LEASE_SECONDS * 1000;
    return items.map(({ source, id, handlers }): BeginResult => {
      const row = this.sql
        .exec<{
          type: string;
          received_at: number;
          headers: string;
          body_size: number;
          status: string;
          shard: number;
        }>(SQL.SELECT_EVENT, source, id)
        .toArray()[0];
      if (!row) return { source, id, found: false };
      // A redelivered message proves the send went through even if marking it did not.
      this.sql.exec(SQL.MARK_ENQUEUED, now, source, id);
      const decisions = [...new Set(handlers)].map((handler) =>
        this.decide(source, id, handler, now, leaseUntil),
      );
      if (decisions.length === 0) this.sql.exec(SQL.SET_STATUS, "delivered", source, id);
      return {
        source,
        id,
        found: true,
        event: {
          source,
          id,
          type: row.type,
          receivedAt: row.received_at,
          bodySize: row.body_size,
          shard: row.shard,
          headers: JSON.parse(row.headers),
          body: row.body_size <= INLINE_BODY_BYTES ? this.body(source, id) : null,
        },
        handlers: decisions,
      };
    });
  }

  private decide(
    source: string,
    id: string,
    handler: string,
    now: number,
    leaseUntil: number,
  ): HandlerDecision {
    const current = this.sql
      .exec<{ state: string; attempts: number; lease_until: number | null; not_before: number | null }>(
        SQL.SELECT_DELIVERY,
        source,
        id,
        handler,
      )
      .toArray()[0];
    if (current?.state === "done" || current?.state === "dead") {
      return { handler, decision: current.state, attempt: current.attempts };
    }
    if (current?.state === "running" && (current.lease_until ?? 0) > now) {
      return {
        handler,
        decision: "leased",
        attempt: current.attempts,
        retryInMs: (current.lease_until ?? now) - now,
      };
    }
    if (current?.state === "failed" && (current.not_before ?? 0) > now) {
      return {
        handler,
        decision: "waiting",
        attempt: current.attempts,
        retryInMs: (current.not_before ?? now) - now,
      };
    }
    const { attempts, revived_at } = this.sql

      .exec<{ attempts: number; revived_at: number }>(SQL.START_ATTEMPT, source, id, handler, leaseUntil, now)
      .one();
    return { handler, decision: "run", attempt: attempts, budgetUsed: attempts - revived_at };
  }

  /** Records handler outcomes (fenced by attempt number); returns each touched event's new status. */
  settleDeliveries(input: SettleInput): SettledStatus[] {
    const outcomes = SettleInput.parse(input);
    const now = Date.now();
    const touched = new Map<string, { source: string; id: string }>();
    for (const outcome of outcomes) {
      const failed = outcome.outcome !== "done";
      this.sql.exec(
        SQL.SETTLE_ATTEMPT,
        outcome.outcome,
        failed ? outcome.retryAt : null,
        failed ? outcome.error : null,
        now,
        outcome.source,
        outcome.id,
        outcome.handler,
        outcome.attempt,
      );
      touched.set(`${outcome.source}\n${outcome.id}`, { source: outcome.source, id: outcome.id });
    }
    return [...touched.values()].map(({ source, id }) => {
      const rows = this.sql
        .exec<{ state: string; attempts: number; last_error: string | null }>(
          SQL.SELECT_DELIVERY_STATES,
          source,
          id,
        )
        .toArray();
      const status = statusOf(rows.map((row) => row.state));
      this.sql.exec(SQL.SET_STATUS, status, source, id);
      const attempts = Math.max(0, ...rows.map((row) => row.attempts));
      const lastError = rows.findLast((row) => row.last_error !== null)?.last_error ?? null;
      return { source, id, status, attempts, lastError };
    });
  }

  /** Numbers a new replay of an event (replays bypass deduplication on purpose); null when unknown. */
  startReplay(key: { source: string; id: string }): { replay: number; type: string; shard: number } | null {
    const { source, id } = EventKey.parse(key);
    const row = this.sql
      .exec<{ replays: number; type: string; shard: number }>(SQL.NEXT_REPLAY, source, id)
      .toArray()[0];
    return row ? { replay: row.replays, type: row.type, shard: row.shard } : null;
  }

  /** Gives an event's dead handlers a fresh set of attempts; returns how many were revived (null: unknown event). */
  reviveDead(key: { source: string; id: string }): number | null {
    const { source, id } = EventKey.parse(key);
    if (this.sql.exec(SQL.SELECT_EVENT, source, id).toArray().length === 0) return null;
    const revived = this.sql.exec(SQL.REVIVE_DEAD, Date.now(), source, id).rowsWritten;
    if (revived > 0) this.sql.exec(SQL.SET_STATUS, "retrying", source, id);
    return revived;
  }

  /** The stored request: headers and the raw body, byte for byte; null once purged. */
  readStored(key: {
    source: string;
    id: string;
  }): { headers: Record<string, string>; body: Uint8Array } | null {
    const { source, id } = EventKey.parse(key);
    const row = this.sql.exec<{ headers: string }>(SQL.SELECT_EVENT, source, id).toArray()[0];
    const body = this.body(source, id);
    return row && body ? { headers: JSON.parse(row.headers), body } : null;
  }

  /** Status of one event, for tests and the operator surface. */
  status(key: { source: string; id: string }): EventStatus | null {
    const { source, id } = EventKey.parse(key);
    const row = this.sql.exec<{ status: EventStatus }>(SQL.SELECT_EVENT, source, id).toArray()[0];
    return row?.status ?? null;
  }

  private body(source: string, id: string): Uint8Array | null {
    const chunks = this.sql.exec<{ data: ArrayBuffer }>(SQL.SELECT_BODY_CHUNKS, source, id).toArray();
    if (chunks.length === 0) return null;
    if (chunks.length === 1 && chunks[0]) return new Uint8Array(chunks[0].data);
    const total = chunks.reduce((n, c) => n + c.data.byteLength, 0);
    const out = new Uint8Array(total);
    let offset = 0;
    for (const { data } of chunks) {
      out.set(new Uint8Array(data), offset);
      offset += data.byteLength;
    }
    return out;
  }
}

function statusOf(states: string[]): EventStatus {
  if (states.includes("dead")) return "dead";
  if (states.every((state) => state === "done")) return "delivered";
  if (states.includes("failed")) return "retrying";
  return "accepted";
}
