/**
 * The alert desk: one Durable Object per alert destination that turns a stream of incident reports into
 * few messages. Reports with the same kind and key are one incident; the desk waits GROUP_MS after the
 * first report so a burst becomes one message with a count, then sends at most one message per incident
 * every REPEAT_MS, carrying the count since the last one. A failed send is retried by the alarm a few
 * times and then dropped with an error log line: alerts never hold up, or fail, event processing.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { describeError, log, logError } from "../shared/log";
import { Incident } from "./incident";
import { postAlert } from "./post-alert";

/** How long the first report of an incident waits for more of the same, so a burst is one message. */
export const GROUP_MS = 5_000;
/** At most one message per incident in this interval; reports in between add to the next one's count. */
export const REPEAT_MS = 15 * 60_000;
/** A threshold incident whose pending reports are older than this starts counting again from zero. */
const THRESHOLD_WINDOW_MS = 15 * 60_000;
const RETRY_MS = 30_000;
const MAX_SEND_FAILURES = 5;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS desk (destination TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  title TEXT NOT NULL,
  path TEXT NOT NULL,
  threshold INTEGER NOT NULL,
  total INTEGER NOT NULL,
  notified_total INTEGER NOT NULL DEFAULT 0,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  notified_at INTEGER,
  send_failures INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (kind, key)
);`;

/** Pending below threshold and stale: forget it, so a threshold means "N within the window". */
const FORGET_STALE_PENDING = `
UPDATE incidents SET notified_total = total
WHERE kind = ? AND key = ? AND total - notified_total < threshold AND last_at < ?`;

const RECORD_REPORT = `
INSERT INTO incidents (kind, key, title, path, threshold, total, first_at, last_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (kind, key) DO UPDATE SET
  title = excluded.title, path = excluded.path, threshold = excluded.threshold,
  total = total + excluded.total, last_at = excluded.last_at`;

/** When each incident with enough pending reports may send: GROUP_MS after its first, REPEAT_MS apart. */
const DUE = `
SELECT kind, key, title, path, total, notified_total, first_at, last_at, send_failures,
  CASE WHEN notified_at IS NULL THEN first_at + ${GROUP_MS}
       ELSE max(notified_at + ${REPEAT_MS}, last_at + ${GROUP_MS}) END AS due_at
FROM incidents WHERE total - notified_total >= threshold`;

const IncidentRow = z.object({
  kind: Incident.shape.kind,
  key: z.string(),
  title: z.string(),
  path: z.string(),
  total: z.number(),
  notified_total: z.number(),
  first_at: z.number(),
  last_at: z.number(),
  send_failures: z.number(),
  due_at: z.number(),
});

export class AlertDesk extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  /** Records reports for `destination` (this desk's URL) and plans the message that will carry them. */
  async report(destination: string, incidents: unknown): Promise<void> {
    const reports = z.array(Incident).max(100).parse(incidents);
    const url = z.url().max(2000).parse(destination);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM desk");
      this.sql.exec("INSERT INTO desk (destination) VALUES (?)", url);
      for (const report of reports) {
        this.sql.exec(FORGET_STALE_PENDING, report.kind, report.key, now - THRESHOLD_WINDOW_MS);
        this.sql.exec(
          RECORD_REPORT,
          report.kind,
          report.key,
          report.title,
          report.path,
          report.threshold,
          report.count,
          now,
          now,
        );
      }
    });
    await this.planAlarm();
  }

  override async alarm(): Promise<void> {
    const destination = this.sql.exec<{ destination: string }>("SELECT destination FROM desk").toArray()[0];
    if (!destination) return;
    const now = Date.now();
    const due = this.dueIncidents().filter((incident) => incident.due_at <= now);
    for (const incident of due) {
      const count = incident.total - incident.notified_total;
      try {
        await postAlert(
          this.env,
          destination.destination,
          {
            type: "hookgate.alert",
            kind: incident.kind,
            key: incident.key,
            title: incident.title,
            count,
            total: incident.total,
            first_at: new Date(incident.first_at).toISOString(),
            last_at: new Date(incident.last_at).toISOString(),
            link: this.link(incident.path),
          },
          `${incident.kind}:${incident.key}:${incident.total}`,
        );
        this.markNotified(incident.kind, incident.key, incident.total, now);
        log("alert", { outcome: "sent", kind: incident.kind, key: incident.key, count });
      } catch (error) {
        const failures = incident.send_failures + 1;
        logError("alert", {
          outcome: failures >= MAX_SEND_FAILURES ? "dropped" : "send_failed",
          kind: incident.kind,
          key: incident.key,
          count,
          error: describeError(error),
        });
        if (failures >= MAX_SEND_FAILURES)
          this.markNotified(incident.kind, incident.key, incident.total, now);
        else
          this.sql.exec(
            "UPDATE incidents SET send_failures = ? WHERE kind = ? AND key = ?",
            failures,
            incident.kind,
            incident.key,
          );
      }
    }
    await this.planAlarm(due.some((incident) => incident.send_failures > 0) ? now + RETRY_MS : undefined);
  }

  private markNotified(kind: string, key: string, total: number, now: number): void {
    this.sql.exec(
      "UPDATE incidents SET notified_total = ?, notified_at = ?, send_failures = 0 WHERE kind = ? AND key = ?",
      total,
      now,
      kind,
      key,
    );
  }

  private dueIncidents() {
    return this.sql
      .exec(DUE)
      .toArray()
      .map((row) => IncidentRow.parse(row));
  }

  private link(path: string): string {
    const base: unknown = Reflect.get(this.env, "PUBLIC_BASE_URL");
    return typeof base === "string" && base ? `${base.replace(/\/+$/, "")}${path}` : path;
  }

  private async planAlarm(retryAt?: number): Promise<void> {
    const pending = this.dueIncidents().map((incident) => incident.due_at);
    const next = Math.min(...pending, retryAt ?? Number.POSITIVE_INFINITY);
    if (!Number.isFinite(next)) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next || current < Date.now()) await this.ctx.storage.setAlarm(next);
  }
}
