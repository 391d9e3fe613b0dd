/** Sends the ledger's messages to the events queue, with a time limit and the test-only fault seam. */
import type { z } from "zod";
import { faultInjectionAllowed, OutboxFaults } from "../shared/fault-injection";
import { withTimeout } from "../shared/with-timeout";
import type { EventMessage } from "./event-message";

const SEND_TIMEOUT_MS = 10_000;
/** `sendBatch` takes at most 100 messages. */
const MESSAGES_PER_SEND = 100;

export class QueueSender {
  private faults: OutboxFaults = OutboxFaults.parse({});
  /** Sends that threw or timed out since faults were last injected: evidence for tests. */
  private failedSends = 0;

  constructor(private readonly env: Env) {}

  /** Sends every message; rejects when any `sendBatch` fails or takes longer than the send timeout. */
  async send(messages: MessageSendRequest<EventMessage>[]): Promise<void> {
    for (let start = 0; start < messages.length; start += MESSAGES_PER_SEND) {
      const chunk = messages.slice(start, start + MESSAGES_PER_SEND);
      try {
        await withTimeout(this.sendBatch(chunk), this.faults.sendTimeoutMs ?? SEND_TIMEOUT_MS, "queue send");
      } catch (error) {
        this.failedSends++;
        throw error;
      }
    }
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
    this.failedSends = 0;
  }

  /** Test-only: the faults not yet used, and how many sends failed since they were injected. */
  faultReport(): OutboxFaults & { failedSends: number } {
    if (!faultInjectionAllowed(this.env)) throw new Error("fault injection is disabled");
    return { ...this.faults, failedSends: this.failedSends };
  }
}
