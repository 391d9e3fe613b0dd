/**
 * A test-only Agent (the real JobTracker is src/agents/job-tracker.ts) that folds
 * job progress callbacks into state with `onceFor`, and records every call outside it, so tests see how
 * often the method ran and how often the state changed. `payload.fail` scripts failures by attempt.
 */
import { Agent } from "agents";
import { z } from "zod";
import { onceFor } from "../../src/agents/idempotent";
import type { ForwardedEnvelope } from "../../src/handlers/envelope";
import { GiveUp, RetryLater } from "../../src/handlers/handler-error";

const JobCallback = z.object({
  job_id: z.string(),
  status: z.string(),
  progress: z.number().optional(),
  /** Answer only after this many ms (a slow Agent). */
  sleepMs: z.number().optional(),
  /** Fail the attempts up to `untilAttempt` (default: every attempt) in the way `with` says. */
  fail: z
    .object({
      with: z.enum(["error", "give-up", "retry-later"]),
      untilAttempt: z.number().default(Number.POSITIVE_INFINITY),
    })
    .optional(),
});

export interface TrackedJob {
  job_id: string | null;
  status: string | null;
  progress: number | null;
  /** How many times the state changed. */
  changes: number;
  /** Every call of `onWebhook`, applied or not. */
  calls: { key: string; attempt: number; eventId: string }[];
}

export class TestJobTracker extends Agent<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS job (one INTEGER PRIMARY KEY CHECK (one = 1), job_id TEXT, status TEXT,
         progress REAL, changes INTEGER NOT NULL DEFAULT 0);
       INSERT OR IGNORE INTO job (one) VALUES (1);
       CREATE TABLE IF NOT EXISTS calls (n INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT, attempt INTEGER, event_id TEXT);`,
    );
  }

  async onWebhook(envelope: ForwardedEnvelope, delivery: { idempotencyKey: string; attempt: number }) {
    const sql = this.ctx.storage.sql;
    sql.exec(
      "INSERT INTO calls (key, attempt, event_id) VALUES (?, ?, ?)",
      delivery.idempotencyKey,
      delivery.attempt,
      envelope.id,
    );
    const callback = JobCallback.parse(envelope.payload);
    if (callback.sleepMs) await new Promise((resolve) => setTimeout(resolve, callback.sleepMs));
    if (callback.fail && delivery.attempt <= callback.fail.untilAttempt) {
      if (callback.fail.with === "give-up") throw new GiveUp("this job was cancelled");
      if (callback.fail.with === "retry-later") throw new RetryLater("busy folding another job", 120);
      throw new Error("the tracker's store is unavailable");
    }
    onceFor(this.ctx.storage, delivery.idempotencyKey, () => {
      sql.exec(
        "UPDATE job SET job_id = ?, status = ?, progress = ?, changes = changes + 1",
        callback.job_id,
        callback.status,
        callback.progress ?? null,
      );
    });
  }

  snapshot(): TrackedJob {
    const sql = this.ctx.storage.sql;
    const job = sql
      .exec<{ job_id: string | null; status: string | null; progress: number | null; changes: number }>(
        "SELECT job_id, status, progress, changes FROM job",
      )
      .one();
    const calls = sql
      .exec<{ key: string; attempt: number; eventId: string }>(
        "SELECT key, attempt, event_id AS eventId FROM calls ORDER BY n",
      )
      .toArray();
    return { ...job, calls };
  }
}
