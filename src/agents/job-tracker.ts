/**
 * `JobTracker`, the Agent Hookgate ships: one instance per job folds the agent platform's callbacks into
 * the job's state, exactly once per delivery, and pushes each change to the browsers watching the job.
 * Sockets reach it only through src/admin/job-tracker-routes.ts, which authorises them before the upgrade.
 */
import { Agent, type Connection, type ConnectionContext } from "agents";
import { z } from "zod";
import { ForwardedEnvelope } from "../handlers/envelope";
import { GiveUp } from "../handlers/handler-error";
import { onceFor } from "./idempotent";
import { READER_GRANT_HEADER } from "./job-read-token";
import { EMPTY_JOB, foldJobCallback, JobCallback, type JobState, terminalStatusesFrom } from "./job-state";

const Delivery = z.object({
  idempotencyKey: z.string().min(1).max(1024),
  attempt: z.number().int().min(1),
});

/** What `onWebhook` did with a callback: `applied` false when this delivery was applied before. */
export interface JobCallbackResult {
  readonly applied: boolean;
  readonly status: string | null;
}

export class JobTracker extends Agent<Env, JobState> {
  override initialState: JobState = EMPTY_JOB;

  /**
   * The agent destination's method (`"method": "onWebhook"`): folds the envelope's job callback into the
   * state in the same synchronous transaction that records `idempotencyKey`, so a delivery that runs twice
   * changes the job once. Throws `GiveUp` for what no retry can fix: not a job callback, or another job's.
   */
  onWebhook(envelope: unknown, delivery: unknown): JobCallbackResult {
    const input = ForwardedEnvelope.safeParse(envelope);
    const key = Delivery.safeParse(delivery);
    if (!input.success || !key.success) throw new GiveUp("not a Hookgate envelope and delivery");
    const callback = JobCallback.safeParse(input.data.payload);
    if (!callback.success)
      throw new GiveUp(`not a job callback: ${z.prettifyError(callback.error).slice(0, 300)}`);
    if (callback.data.job_id !== this.name)
      throw new GiveUp(
        `a callback for job ${callback.data.job_id.slice(0, 64)} reached the tracker of another job`,
      );
    const origin = { eventId: input.data.id, receivedAt: input.data.received_at };
    const terminal = terminalStatusesFrom(Reflect.get(this.env, "JOB_TRACKER_TERMINAL_STATUSES"));
    const result = onceFor(this.ctx.storage, key.data.idempotencyKey, () => {
      // setState writes SQL synchronously, so it commits with the key; it is the last step, so nothing
      // after it can roll the transaction back once clients were sent the new state.
      this.setState(foldJobCallback(this.state, callback.data, origin, terminal));
    });
    return { applied: result.applied, status: this.state.status };
  }

  /** The job as clients see it (`GET /admin/api/agents/job-tracker/:name/state`). */
  currentState(): JobState {
    return this.state;
  }

  /** Clients only watch: none may set the state. */
  override shouldConnectionBeReadonly(): boolean {
    return true;
  }

  /** A backstop to the check before the upgrade: no frame for a socket the Worker did not authorise. */
  override shouldSendProtocolMessages(_connection: Connection, context: ConnectionContext): boolean {
    return context.request.headers.get(READER_GRANT_HEADER) === this.name;
  }

  override onConnect(connection: Connection, context: ConnectionContext): void {
    if (context.request.headers.get(READER_GRANT_HEADER) !== this.name)
      connection.close(4401, "unauthorised");
  }

  override onRequest(): Response {
    return Response.json({ title: "Connect with a WebSocket to watch this job." }, { status: 404 });
  }
}
