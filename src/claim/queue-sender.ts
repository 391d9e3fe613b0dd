/**
 * Sends the ledger's messages to the events queues, with a time limit and the test-only fault seam. A
 * deployment may bind several queues (`EVENTS_QUEUE`, `EVENTS_QUEUE_2`, …, one consumer bound to all):
 * each shard's messages go to queue `shard mod n`, so one queue's throughput limit is not the deployment's.
 */
import type { z } from "zod";
import { faultInjectionAllowed, OutboxFaults } from "../shared/fault-injection";
import { withTimeout } from "../shared/with-timeout";
import type { EventBundle, EventMessage } from "./event-message";

type Sent = MessageSendRequest<EventMessage | EventBundle>;

const SEND_TIMEOUT_MS = 10_000;
/** `sendBatch` takes at most 100 messages. */
const MESSAGES_PER_SEND = 100;

const QUEUE_BINDING = /^EVENTS_QUEUE(?:_(\d+))?$/;
const queuesByEnv = new WeakMap<object, Queue[]>();

/** The events queues bound to this Worker, `EVENTS_QUEUE` first, then `EVENTS_QUEUE_2`, `_3`, … in order. */
export function eventQueuesOf(env: Env): Queue[] {
  const known = queuesByEnv.get(env);
  if (known) return known;
  const queues = Object.entries(env)
    .map(([name, value]) => ({
      n: Number(QUEUE_BINDING.exec(name)?.[1] ?? (name === "EVENTS_QUEUE" ? 1 : Number.NaN)),
      value,
    }))
    .filter(
      ({ n, value }) =>
        Number.isInteger(n) && typeof (value as Partial<Queue> | null)?.sendBatch === "function",
    )
    .sort((a, b) => a.n - b.n)
    .map(({ value }) => value as Queue);
  queuesByEnv.set(env, queues);
  return queues;
}

export class QueueSender {
  private faults: OutboxFaults = OutboxFaults.parse({});
  /** Sends that threw or timed out since faults were last injected: evidence for tests. */
  private failedSends = 0;

  constructor(private readonly env: Env) {}

  /** Sends every message; rejects when any `sendBatch` fails or takes longer than the send timeout. */
  async send(messages: Sent[]): Promise<void> {
    const queues = eventQueuesOf(this.env);
    const byQueue = new Map<Queue, Sent[]>();
    for (const message of messages) {
      const queue = queues[message.body.shard % queues.length] ?? this.env.EVENTS_QUEUE;
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), message]);
    }
    for (const [queue, forQueue] of byQueue)
      for (let start = 0; start < forQueue.length; start += MESSAGES_PER_SEND) {
        const chunk = forQueue.slice(start, start + MESSAGES_PER_SEND);
        try {
          const timeout = this.faults.sendTimeoutMs ?? SEND_TIMEOUT_MS;
          await withTimeout(this.sendBatch(queue, chunk), timeout, "queue send");
        } catch (error) {
          this.failedSends++;
          throw error;
        }
      }
  }

  private sendBatch(queue: Queue, messages: Sent[]): Promise<unknown> {
    if (this.faults.failSends > 0) {
      this.faults.failSends--;
      return Promise.reject(new Error("injected fault: queue send failed"));
    }
    if (this.faults.hangSends > 0) {
      this.faults.hangSends--;
      return new Promise(() => {});
    }
    return queue.sendBatch(messages);
  }

  /** Test-only seam (see src/shared/fault-injection.ts); refused unless ALLOW_FAULT_INJECTION is "true". */
  injectFaults(input: z.input<typeof OutboxFaults>): void {
    if (!faultInjectionAllowed(this.env)) throw new Error("fault injection is disabled");
    this.faults = OutboxFaults.parse(input);
    this.failedSends = 0;
  }

  /** Test-only: the faults not yet used, and how many sends failed since they were injected. */
  faultReport(): OutboxFaults & { failedSends: number } {
    if (!faultInjectionAllowed(this.env)) throw new Error("fault injection is disabled");
    return { ...this.faults, failedSends: this.failedSends };
  }
}
