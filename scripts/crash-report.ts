/**
 * The verdict of the crash test and the soak test: from what the sender saw (answers per event), what the
 * agent sink received (deliveries, each with the status it answered) and what the ledger persisted,
 * counts acked, delivered, lost and double-delivered events. Only a 2xx answer makes a delivery count as
 * delivered; a 5xx is a failed attempt the gateway must retry. Pure, so the rules are in one place.
 */
import { createHash } from "node:crypto";
import type { Delivery } from "./agent-sink.ts";
import type { LedgerRow } from "./read-ledger-state.ts";

export interface SentEvent {
  id: string;
  /** Requests posted for this event (both copies, every retry). */
  requests: number;
  /** Final answers, one per copy: HTTP status and `status` field. */
  answers: { status: number | null; outcome: string | null }[];
}

export interface CrashWindow {
  killedAt: number;
  readyAt: number;
}

/** The moment ledger times are shown relative to, e.g. `{ label: "start", at: loadStartedAt }`. */
export interface TimeOrigin {
  label: string;
  at: number;
}

export interface Tally {
  sent: number;
  requests: number;
  copies: number;
  retriedRequests: number;
  acked: number;
  accepted: number;
  duplicatesSuppressed: number;
  unacked: string[];
  acceptedTwice: string[];
  /** Every request the sink received, whatever it answered. */
  deliveries: number;
  /** Requests the sink answered with something other than 2xx (a flaky agent). */
  failedDeliveries: number;
  /** Acked events that got a non-2xx answer and later a 2xx one: retried until delivered. */
  deliveredAfterFailure: string[];
  /** Acked events with at least one 2xx delivery. */
  delivered: number;
  /** Events with more than one 2xx delivery. */
  doubleDelivered: string[];
  /** Acked events without any 2xx delivery. */
  lost: string[];
  wrongWebhookId: string[];
  badSignature: number;
  unknownDeliveries: number;
  notSettled: string[];
}

/** The forwarder's `webhook-id`: `msg_` + 32 hex chars of SHA-256 of the idempotency key. */
export function expectedWebhookId(source: string, id: string, handler = "forward"): string {
  return `msg_${createHash("sha256").update(`${source}:${id}:${handler}`).digest("hex").slice(0, 32)}`;
}

export const isSuccessful = (delivery: Delivery): boolean => delivery.status >= 200 && delivery.status < 300;

export function envelopeIdOf(delivery: Delivery): string | null {
  try {
    const id: unknown = JSON.parse(delivery.body).id;
    return typeof id === "string" ? id : null;
  } catch {
    return null;
  }
}

export function tally(
  events: SentEvent[],
  deliveries: Delivery[],
  verify: (delivery: Delivery) => boolean,
  ledger: Map<string, LedgerRow>,
): Tally {
  const byId = new Map<string, Delivery[]>();
  const succeeded = new Map<string, number>();
  let unknownDeliveries = 0;
  let badSignature = 0;
  const known = new Set(events.map((event) => event.id));
  for (const delivery of deliveries) {
    if (!verify(delivery)) badSignature++;
    const id = envelopeIdOf(delivery);
    if (id === null || !known.has(id)) {
      unknownDeliveries++;
      continue;
    }
    const list = byId.get(id);
    if (list) list.push(delivery);
    else byId.set(id, [delivery]);
    if (isSuccessful(delivery)) succeeded.set(id, (succeeded.get(id) ?? 0) + 1);
  }
  const isAck = (answer: SentEvent["answers"][number]) =>
    answer.status === 202 || (answer.status === 200 && answer.outcome === "duplicate");
  const acked = events.filter((event) => event.answers.some(isAck));
  const answers = events.flatMap((event) => event.answers);
  const accepted = answers.filter((a) => a.status === 202).length;
  const copies = events.reduce((n, event) => n + event.answers.length, 0);
  const requests = events.reduce((n, event) => n + event.requests, 0);
  return {
    sent: events.length,
    requests,
    copies,
    retriedRequests: requests - copies,
    acked: acked.length,
    accepted,
    duplicatesSuppressed: answers.filter((a) => a.status === 200 && a.outcome === "duplicate").length,
    unacked: events.filter((event) => !event.answers.some(isAck)).map((event) => event.id),
    acceptedTwice: events
      .filter((event) => event.answers.filter((a) => a.status === 202).length > 1)
      .map((event) => event.id),
    deliveries: deliveries.length,
    failedDeliveries: deliveries.filter((d) => !isSuccessful(d)).length,
    deliveredAfterFailure: acked
      .filter((event) => {
        const list = byId.get(event.id) ?? [];
        const firstFailure = list.findIndex((d) => !isSuccessful(d));
        return firstFailure >= 0 && list.slice(firstFailure + 1).some(isSuccessful);
      })
      .map((event) => event.id),
    delivered: acked.filter((event) => succeeded.has(event.id)).length,
    doubleDelivered: [...succeeded].filter(([, count]) => count > 1).map(([id]) => id),
    lost: acked.filter((event) => !succeeded.has(event.id)).map((event) => event.id),
    wrongWebhookId: [...byId]
      .filter(([id, list]) => list.some((d) => d.webhookId !== expectedWebhookId("github", id)))
      .map(([id]) => id),
    badSignature,
    unknownDeliveries,
    notSettled: acked
      .filter((event) => ledger.size > 0 && ledger.get(event.id)?.status !== "delivered")
      .map((event) => event.id),
  };
}

/** One line of ledger evidence for an event id, times relative to the kill (or to another origin). */
export function describeLedgerRow(
  id: string,
  row: LedgerRow | undefined,
  origin: CrashWindow | TimeOrigin,
): string {
  if (!row) return `${id}: not in the ledger`;
  const { label, at: zero } = "killedAt" in origin ? { label: "kill", at: origin.killedAt } : origin;
  const at = (ms: number | null) =>
    ms === null ? "null" : `${label}${ms < zero ? "-" : "+"}${(Math.abs(ms - zero) / 1000).toFixed(1)}s`;
  const forward = row.forward
    ? `forward=${row.forward.state} attempts=${row.forward.attempts} lease_until=${at(row.forward.leaseUntil)}`
    : "forward=never started";
  return `${id}: shard=${row.shard} status=${row.status} received=${at(row.receivedAt)} enqueued_at=${at(row.enqueuedAt)} ${forward}`;
}

/**
 * How long each acked event that had not reached the agent before the kill waited after the restart:
 * from the later of "runtime answering again" and "event acked" to its first 2xx delivery. Events
 * without a 2xx delivery are left out (they are lost, and counted as such).
 */
export function deliveryDelaysAfterRestart(
  ackedAt: ReadonlyMap<string, number>,
  deliveries: readonly Delivery[],
  crash: CrashWindow,
): Map<string, number> {
  const firstDelivery = new Map<string, number>();
  for (const delivery of deliveries) {
    const id = envelopeIdOf(delivery);
    if (id === null || delivery.status < 200 || delivery.status >= 300) continue;
    firstDelivery.set(id, Math.min(firstDelivery.get(id) ?? Number.POSITIVE_INFINITY, delivery.at));
  }
  const delays = new Map<string, number>();
  for (const [id, acked] of ackedAt) {
    const first = firstDelivery.get(id);
    if (first === undefined || first < crash.killedAt) continue;
    delays.set(id, first - Math.max(crash.readyAt, acked));
  }
  return delays;
}
