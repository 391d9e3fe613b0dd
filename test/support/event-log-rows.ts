/** Writes D1 event-log rows as the consumer would, so admin and dashboard tests control every field. */
import { env } from "cloudflare:workers";

export type LoggedEvent = {
  id: string;
  type?: string;
  status: string;
  lastError?: string;
  attempts?: number;
};

/** One row per event, newest first in list order (each 1 ms older than the one before). */
export async function logEvents(source: string, events: LoggedEvent[]): Promise<void> {
  const now = Date.now();
  await env.EVENT_LOG.batch(
    events.map((event, index) =>
      env.EVENT_LOG.prepare(
        `INSERT INTO events (source, event_id, type, received_at, status, attempts, last_error, body_size, shard, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 10, 0, ?)`,
      ).bind(
        source,
        event.id,
        event.type ?? "issues.opened",
        now - index,
        event.status,
        event.attempts ?? 1,
        event.lastError ?? null,
        now,
      ),
    ),
  );
}
