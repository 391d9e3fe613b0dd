/**
 * Acks and retries for the events of one bundled queue message (event-message.ts, `v: 2`): the consumer
 * settles each event on its own, the queue only the whole message. The message is acked once every event
 * is; when only some need another try, those are re-sent as messages of their own (each with its delay)
 * and the bundle is acked, so the others do not run again; when all do, the message itself is retried.
 */
import type { EventMessage } from "../claim/event-message";
import { eventQueuesOf } from "../claim/queue-sender";
import { describeError, logError } from "../shared/log";

/** What the consumer does to one event's message: the queue's `Message`, or one event of a bundle. */
export type EventAck = Pick<Message<unknown>, "ack" | "retry" | "attempts">;

type Verdict = { retry: false } | { retry: true; delaySeconds: number };

export class BundledAcks {
  private readonly verdicts: (Verdict | null)[];

  constructor(
    private readonly message: Message<unknown>,
    private readonly events: EventMessage[],
  ) {
    this.verdicts = events.map(() => null);
  }

  /** The ack of event `index` of the bundle. */
  ackOf(index: number): EventAck {
    return {
      attempts: this.message.attempts,
      ack: () => {
        this.verdicts[index] = { retry: false };
      },
      retry: (options) => {
        this.verdicts[index] = { retry: true, delaySeconds: options?.delaySeconds ?? 0 };
      },
    };
  }

  /**
   * Settles the queue message once the batch is done. An event without a verdict (none was given: a
   * consumer that failed before reaching it) is retried, never dropped.
   */
  async finish(env: Env): Promise<void> {
    const again = this.events.flatMap((event, index) => {
      const verdict = this.verdicts[index] ?? { retry: true, delaySeconds: 0 };
      return verdict.retry ? [{ event, delaySeconds: verdict.delaySeconds }] : [];
    });
    if (again.length === 0) return this.message.ack();
    const soonest = Math.min(...again.map((item) => item.delaySeconds));
    if (again.length === this.events.length) return this.message.retry({ delaySeconds: soonest });
    const queues = eventQueuesOf(env);
    const queue = queues[(this.events[0]?.shard ?? 0) % queues.length] ?? env.EVENTS_QUEUE;
    try {
      await queue.sendBatch(
        again.map(({ event, delaySeconds }) => ({
          body: event,
          contentType: "json" as const,
          ...(delaySeconds > 0 ? { delaySeconds } : {}),
        })),
      );
      this.message.ack();
    } catch (error) {
      // The whole bundle comes back: its finished events run nothing (the ledger knows they are done).
      logError("deliver", { outcome: "resend_failed", count: again.length, error: describeError(error) });
      this.message.retry({ delaySeconds: soonest });
    }
  }
}
