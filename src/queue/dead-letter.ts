/** Copies events whose handlers died to the dead-letter queue, then acks their messages. */

import type { EventMessage } from "../claim/event-message";
import { describeError, log, logError } from "../shared/log";
import type { EventAck } from "./bundled-acks";

/** A message whose event has dead handlers (already recorded as dead in the ledger). */
export interface DeadItem {
  message: EventAck;
  event: EventMessage;
  handlers: string[];
  /** Why the handler died, in operator words (null when it was dead before this batch). */
  cause: string | null;
}

/**
 * Sends one dead-letter copy per item (`deadHandlers`, `cause`, `deadAt` added) and acks each message. When the
 * send fails the messages are retried, which sends the copies again: the ledger already says dead.
 */
export async function deadLetter(env: Env, items: DeadItem[]): Promise<void> {
  if (items.length === 0) return;
  try {
    await env.DEAD_LETTER_QUEUE.sendBatch(
      items.map(({ event, handlers, cause }) => ({
        body: { ...event, deadHandlers: handlers, cause, deadAt: new Date().toISOString() },
        contentType: "json" as const,
      })),
    );
  } catch (error) {
    logError("dead-letter", { outcome: "send_failed", error: describeError(error) });
    for (const { message } of items) message.retry({ delaySeconds: 30 });
    return;
  }
  for (const { message, event, handlers, cause } of items) {
    log("dead-letter", { source: event.source, id: event.id, handlers, cause });
    message.ack();
  }
}
