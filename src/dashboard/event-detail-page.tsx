/**
 * `/admin/events/:source/:id`: the event's facts, a Replay button (all handlers or one, confirmed on the
 * next page), per route its deliveries' states (also suppressed, held, superseded) and its attempts as a
 * timeline with replay numbers and "n of max", the request headers (masked) and the payload
 * (pretty-printed when small and shallow, else as received; bounded).
 */
import type { FC } from "hono/jsx";
import type { EventDetailView } from "../admin/load-event-detail";
import { nestedDeeperThan } from "../normalize/json-text";
import { Layout } from "./page-layout";
import {
  eventPath,
  formatMs,
  formatTime,
  Notice,
  REDRIVE_EXPLAINED,
  REPLAY_EXPLAINED,
  StatusBadge,
  TableScroll,
} from "./view-parts";

type Attempt = EventDetailView["attempts"][number];
type Delivery = EventDetailView["deliveries"][number];

/** Which of the source's secrets verified the event, in words. */
const VERIFIED_WITH_TEXT = {
  current: "the current secret",
  previous: "the previous secret (<secretVar>_PREVIOUS): the sender has not moved to the new one yet",
} as const;

type EventDetailPageProps = {
  detail: EventDetailView;
  /** Handlers a replay can target: those this event routes to, and any that ran before. */
  handlerNames: string[];
  notice: string | null;
  refreshSeconds: number | undefined;
  /** Turns auto-refresh on or off while the event is in flight; null when there is nothing to follow. */
  liveLink: { href: string; on: boolean } | null;
};

/** `3 of 8`; past the budget, which only a redrive (a fresh budget, numbering continued) allows, says so. */
/** When the earliest pending retry of a still-retrying event is due (each run's latest attempt decides). */
function nextTryOf(status: string, attempts: Attempt[]): string | null {
  if (status !== "retrying") return null;
  const latest = new Map<string, Attempt>();
  for (const attempt of attempts) latest.set(`${attempt.handler}#${attempt.replay}`, attempt);
  const due = [...latest.values()].flatMap((attempt) => (attempt.nextRetryAt ? [attempt.nextRetryAt] : []));
  return due.sort()[0] ?? null;
}

function attemptOfMax(attempt: number, max: number): string {
  return attempt <= max ? `${attempt} of ${max}` : `${attempt} (after a redrive)`;
}

/**
 * One block per route or handler: every one with a delivery (in the detail's order: the event's routes,
 * then replays), then any that only has attempts; each with its deliveries' states and its attempts.
 */
function byHandler(
  deliveries: Delivery[],
  attempts: Attempt[],
): { handler: string; deliveries: Delivery[]; attempts: Attempt[] }[] {
  const names = [...new Set([...deliveries, ...attempts].map((item) => item.handler))];
  return names.map((handler) => ({
    handler,
    deliveries: deliveries.filter((delivery) => delivery.handler === handler),
    attempts: attempts.filter((attempt) => attempt.handler === handler),
  }));
}

/** Deeper payloads are shown as received: pretty-printing grows with depth times size. */
const PRETTY_MAX_DEPTH = 32;
/** Larger bodies are shown as received. */
const PRETTY_MAX_BODY_CHARS = 256 * 1024;
/** At most this much of the payload is put in the page. */
const SHOWN_MAX_CHARS = 64 * 1024;

/** The payload as the page shows it: pretty-printed when small and shallow, else the raw body, bounded. */
function payloadText(payload: unknown, bodyText: string): { text: string; note: string | null } {
  let text = typeof payload === "string" ? payload : bodyText;
  let note: string | null = null;
  if (typeof payload !== "string") {
    if (nestedDeeperThan(payload, PRETTY_MAX_DEPTH))
      note = `The payload is nested more than ${PRETTY_MAX_DEPTH} levels deep: shown as received.`;
    else if (bodyText.length > PRETTY_MAX_BODY_CHARS)
      note = "The payload is too large to pretty-print: shown as received.";
    else text = JSON.stringify(payload, null, 2);
  }
  if (text.length > SHOWN_MAX_CHARS) {
    const shown = `Showing the first ${SHOWN_MAX_CHARS.toLocaleString("en")} of ${text.length.toLocaleString("en")} characters.`;
    note = note ? `${note} ${shown}` : shown;
    text = text.slice(0, SHOWN_MAX_CHARS);
  }
  return { text, note };
}

const PayloadView: FC<{ payload: unknown; bodyText: string }> = ({ payload, bodyText }) => {
  const { text, note } = payloadText(payload, bodyText);
  return (
    <>
      {note ? <p class="muted">{note}</p> : null}
      <pre>{text}</pre>
    </>
  );
};

const AttemptTimeline: FC<{ attempts: Attempt[]; maxAttempts: number }> = ({ attempts, maxAttempts }) => (
  <TableScroll>
    <table>
      <thead>
        <tr>
          <th>run</th>
          <th class="num">attempt</th>
          <th>outcome</th>
          <th>started</th>
          <th class="num">duration</th>
          <th>destination</th>
          <th class="num">status</th>
          <th>error and answer</th>
          <th>next try</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((attempt) => (
          <tr data-replay={String(attempt.replay)} data-outcome={attempt.outcome}>
            <td>{attempt.replay === 0 ? "original" : `replay ${attempt.replay}`}</td>
            <td class="num">{attemptOfMax(attempt.attempt, maxAttempts)}</td>
            <td>
              <StatusBadge status={attempt.outcome} />
            </td>
            <td>{formatTime(attempt.startedAt)}</td>
            <td class="num">{formatMs(attempt.durationMs)}</td>
            <td>{attempt.destination ?? ""}</td>
            <td class="num" data-response-status>
              {attempt.responseStatus ?? ""}
            </td>
            <td class="muted">
              {attempt.error ?? ""}
              {attempt.responseBody ? <pre class="answer">{attempt.responseBody}</pre> : null}
            </td>
            <td data-next-retry>{attempt.nextRetryAt ? formatTime(attempt.nextRetryAt) : ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </TableScroll>
);

/** Each run's state for one route: suppressed (with its rule), held, superseded and pending show here only. */
const DeliveryStates: FC<{ deliveries: Delivery[]; maxAttempts: number }> = ({ deliveries, maxAttempts }) => (
  <ul class="deliveries">
    {deliveries.map((delivery) => (
      <li data-delivery-state={delivery.state} data-replay={String(delivery.replay)}>
        {delivery.replay === 0 ? "original" : `replay ${delivery.replay}`}:{" "}
        <StatusBadge status={delivery.state} />{" "}
        {delivery.attempts > 0
          ? `attempt ${attemptOfMax(delivery.attempts, maxAttempts)}`
          : "no attempt used"}
        {delivery.rule ? (
          <>
            {" "}
            · rule{" "}
            <span class="mono" data-rule>
              {delivery.rule}
            </span>
          </>
        ) : null}
        {delivery.reason ? <span class="muted"> · {delivery.reason}</span> : null}
        {delivery.nextRetryAt ? (
          <span class="muted"> · next try {formatTime(delivery.nextRetryAt)}</span>
        ) : null}
      </li>
    ))}
  </ul>
);

const PAYLOAD_GONE =
  "The stored request was deleted: it is past the replay window (REPLAY_RETENTION_HOURS) or past retention.";

export const EventDetailPage: FC<EventDetailPageProps> = ({
  detail,
  handlerNames,
  notice,
  refreshSeconds,
  liveLink,
}) => {
  const { event, attempts, maxAttempts, headers, payload, bodyText, payloadAvailable } = detail;
  const nextTry = nextTryOf(event.status, attempts);
  const path = eventPath(event.source, event.id);
  return (
    <Layout title={`${event.source} ${event.id}`} section="events" signedIn refreshSeconds={refreshSeconds}>
      <p>
        <a href="/admin">← events</a>
      </p>
      <h1>
        <code>
          {event.source} / {event.type}
        </code>
      </h1>
      <Notice text={notice} />
      {liveLink ? (
        <p class="pager muted">
          <span>{liveLink.on ? "Refreshing every few seconds while in flight." : "Still in flight."}</span>
          <a href={liveLink.href}>{liveLink.on ? "stop refreshing" : "refresh automatically"}</a>
        </p>
      ) : null}
      <dl class="facts">
        <dt>event id</dt>
        <dd class="mono">{event.id}</dd>
        <dt>status</dt>
        <dd>
          <StatusBadge status={event.status} />
        </dd>
        <dt>received</dt>
        <dd>{formatTime(event.receivedAt)}</dd>
        <dt>delivered</dt>
        <dd>
          {formatTime(event.deliveredAt)} {event.latencyMs === null ? "" : `(${formatMs(event.latencyMs)})`}
        </dd>
        <dt>attempts</dt>
        <dd>
          {attemptOfMax(event.attemptCount, maxAttempts)}{" "}
          <span class="muted">
            (the most any one handler run took; replays are runs of their own, not added)
          </span>
        </dd>
        <dt>body size</dt>
        <dd>{event.bodySize} bytes</dd>
        {detail.verifiedWith ? (
          <>
            <dt>verified with</dt>
            <dd data-verified-with={detail.verifiedWith}>{VERIFIED_WITH_TEXT[detail.verifiedWith]}</dd>
          </>
        ) : null}
        {nextTry ? (
          <>
            <dt>next try</dt>
            <dd data-next-try>{formatTime(nextTry)}</dd>
          </>
        ) : null}
        {event.suppressedBy ? (
          <>
            <dt>suppressed by</dt>
            <dd>
              rule{" "}
              <span class="mono" data-suppressed-by>
                {event.suppressedBy}
              </span>{" "}
              <span class="muted">(a replay runs the handlers regardless)</span>
            </dd>
          </>
        ) : null}
        {event.lastError ? (
          <>
            <dt>last error</dt>
            <dd class="mono">{event.lastError}</dd>
          </>
        ) : null}
      </dl>
      <div class="actions">
        {payloadAvailable ? (
          <form method="get" action={`${path}/replay`}>
            <label>
              handler
              <select name="handler">
                <option value="">all matching handlers</option>
                {handlerNames.map((name) => (
                  <option value={name}>{name}</option>
                ))}
              </select>
            </label>
            <button type="submit">Replay</button>
            <span class="muted explain">{REPLAY_EXPLAINED}</span>
          </form>
        ) : (
          <p class="muted" data-replay-unavailable>
            {PAYLOAD_GONE} It cannot be replayed; its claim is still kept for deduplication.
          </p>
        )}
        {event.status === "dead" ? (
          <form method="post" action="/admin/dead-letters/redrive">
            <input type="hidden" name="source" value={event.source} />
            <input type="hidden" name="id" value={event.id} />
            <input type="hidden" name="back" value="event" />
            <button type="submit" class="secondary">
              Redrive
            </button>
            <span class="muted explain">{REDRIVE_EXPLAINED}</span>
          </form>
        ) : null}
      </div>
      <h2>Attempts</h2>
      {attempts.length === 0 ? <p class="muted">No handler has run yet.</p> : null}
      {byHandler(detail.deliveries, attempts).map((route) => {
        const max = detail.maxAttemptsByRoute[route.handler] ?? maxAttempts;
        return (
          <section>
            <h3>{route.handler}</h3>
            {route.deliveries.length > 0 ? (
              <DeliveryStates deliveries={route.deliveries} maxAttempts={max} />
            ) : null}
            {route.attempts.length > 0 ? (
              <AttemptTimeline attempts={route.attempts} maxAttempts={max} />
            ) : null}
          </section>
        );
      })}
      <h2>Headers</h2>
      {headers ? (
        <TableScroll>
          <table>
            <tbody>
              {Object.entries(headers).map(([name, value]) => (
                <tr>
                  <th scope="row" class="mono header-name">
                    {name}
                  </th>
                  <td class="mono">{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : (
        <p class="muted">{PAYLOAD_GONE}</p>
      )}
      <h2>Payload</h2>
      {payloadAvailable ? (
        <PayloadView payload={payload} bodyText={bodyText ?? ""} />
      ) : (
        <p class="muted">{PAYLOAD_GONE}</p>
      )}
    </Layout>
  );
};
