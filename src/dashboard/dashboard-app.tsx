/**
 * The operator dashboard at `/admin`: the event list with filters and summary numbers, one event with its
 * attempts, payload and a Replay button, the dead letters with redrive, and the routes with Pause and
 * Resume. Server-rendered HTML with no script, over the same functions as the admin API. Off (404) while `ADMIN_TOKEN` is unset; a browser
 * logs in with the token once and then carries it in an HttpOnly, SameSite=Strict cookie. Replay and
 * "Redrive all" first show a confirm page (GET); every action is a same-origin form POST answered with a
 * 303 back to a page. Pages refresh themselves only when asked (`live=1`), or until a replay has run.
 */
import { Hono } from "hono";
import { loadEventDetail } from "../admin/load-event-detail";
import { listEvents, readEvent, summarize } from "../admin/read-event-log";
import { refuseUnknownReplayTarget, replayForOperator } from "../admin/replay-for-operator";
import { adminTokenOf } from "../admin/require-admin-token";
import { validate } from "../admin/validate";
import { settingsFrom } from "../config/settings";
import { sources } from "../config/sources";
import { handlers } from "../handlers/agent-handlers";
import { Problem } from "../shared/problem";
import { endAdminSession } from "./admin-session-cookie";
import { ConfirmPage } from "./confirm-page";
import {
  EventDetailPageQuery,
  EventListPageQuery,
  EventParams,
  ReplayConfirmQuery,
  ReplayForm,
} from "./dashboard-schemas";
import { deadLetterRoutes } from "./dead-letter-routes";
import { ErrorPage } from "./error-page";
import { EventDetailPage } from "./event-detail-page";
import { EventListPage } from "./event-list-page";
import { laneRoutes } from "./lane-routes";
import { loginRoutes } from "./login-routes";
import { renderPage } from "./page-layout";
import { LOGIN_PATH, requireDashboardSession } from "./require-dashboard-session";
import { requireSameOrigin } from "./require-same-origin";
import { routeControlRoutes } from "./route-control-routes";
import { eventPath, linkTo, REPLAY_EXPLAINED } from "./view-parts";

const SUMMARY_WINDOW_SECONDS = 86_400;
const IN_FLIGHT_REFRESH_SECONDS = 5;
const REPLAY_REFRESH_SECONDS = 2;

const REDRIVE_NOTICES = {
  redriven: "Redriven: its dead handlers have a fresh set of attempts.",
  not_found: "Not redriven: the event is gone (past retention).",
  not_dead: "Nothing to redrive: no handler of this event is dead.",
  enqueue_failed: "The redrive could not be enqueued; try again.",
} as const;

const LIST_KEYS = ["source", "id", "type", "status", "route", "since", "until", "limit", "live", "cursor"];

export const dashboard = new Hono<{ Bindings: Env }>();

dashboard.get("/", requireDashboardSession, validate("query", EventListPageQuery), async (c) => {
  const query = c.req.valid("query");
  const [page, summary] = await Promise.all([
    listEvents(c.env, query),
    summarize(c.env, SUMMARY_WINDOW_SECONDS),
  ]);
  if (!page.ok) throw new Problem(400, `Invalid query: ${page.reason}.`);
  const current = c.req.query();
  const live = query.live === "1";
  return renderPage(
    c,
    <EventListPage
      events={page.events}
      filters={query}
      sourceNames={[...sources.keys()]}
      summary={summary}
      live={live}
      links={{
        older: page.nextCursor ? linkTo("/admin", current, LIST_KEYS, { cursor: page.nextCursor }) : null,
        newest: query.cursor ? linkTo("/admin", current, LIST_KEYS, { cursor: null }) : null,
        toggleLive: linkTo("/admin", current, LIST_KEYS, { live: live ? null : "1" }),
      }}
    />,
  );
});

dashboard.get(
  "/events/:source/:id",
  requireDashboardSession,
  validate("param", EventParams),
  validate("query", EventDetailPageQuery),
  async (c) => {
    const { source, id } = c.req.valid("param");
    const { replayed, redrive, live } = c.req.valid("query");
    const detail = await loadEventDetail(c.env, source, id);
    if (!detail) throw new Problem(404, "No such event in the event log.");
    // The routes chosen when the event was claimed; for events stored without, the matching handlers.
    const routed =
      detail.routes ?? handlers.match(source, detail.event.type, c.env).map((route) => route.name);
    const handlerNames = [
      ...new Set([...routed, ...[...detail.deliveries, ...detail.attempts].map((run) => run.handler)]),
    ];
    const replayPending =
      replayed !== undefined &&
      !detail.attempts.some((attempt) => attempt.replay === replayed && attempt.outcome !== "failed");
    const inFlight = detail.event.status === "accepted" || detail.event.status === "retrying";
    const refreshing = live === "1" && inFlight;
    const notices = [
      replayed === undefined
        ? null
        : `Replay ${replayed} enqueued.${replayPending ? " This page refreshes until it has run." : ""}`,
      redrive === undefined ? null : REDRIVE_NOTICES[redrive],
    ];
    return renderPage(
      c,
      <EventDetailPage
        detail={detail}
        handlerNames={handlerNames}
        notice={notices.filter(Boolean).join(" ") || null}
        refreshSeconds={
          replayPending ? REPLAY_REFRESH_SECONDS : refreshing ? IN_FLIGHT_REFRESH_SECONDS : undefined
        }
        liveLink={
          inFlight && !replayPending
            ? { href: `${eventPath(source, id)}${refreshing ? "" : "?live=1"}`, on: refreshing }
            : null
        }
      />,
    );
  },
);

dashboard.get(
  "/events/:source/:id/replay",
  requireDashboardSession,
  validate("param", EventParams),
  validate("query", ReplayConfirmQuery),
  async (c) => {
    const { source, id } = c.req.valid("param");
    const { handler } = c.req.valid("query");
    refuseUnknownReplayTarget(c.env, handler);
    const found = await readEvent(c.env, source, id);
    if (!found) throw new Problem(404, "No such event in the event log.");
    const path = eventPath(source, id);
    return renderPage(
      c,
      <ConfirmPage
        title="Replay this event?"
        section="events"
        action={`${path}/replay`}
        fields={handler ? { handler } : {}}
        confirmLabel="Replay now"
        cancelHref={path}
      >
        <p>
          Replays <code>{source}</code> event <code class="id">{id}</code> ({found.event.type}, now{" "}
          {found.event.status}) to {handler ? <code>{handler}</code> : "every matching handler"}, with up to{" "}
          {settingsFrom(c.env).HANDLER_MAX_ATTEMPTS} attempts.
        </p>
        <p class="muted">{REPLAY_EXPLAINED}</p>
      </ConfirmPage>,
    );
  },
);

dashboard.post(
  "/events/:source/:id/replay",
  requireDashboardSession,
  requireSameOrigin,
  validate("param", EventParams),
  validate("form", ReplayForm),
  async (c) => {
    const { source, id } = c.req.valid("param");
    const { handler } = c.req.valid("form");
    const replay = await replayForOperator(c.env, source, id, handler, "dashboard");
    return c.redirect(`${eventPath(source, id)}?replayed=${replay}`, 303);
  },
);

dashboard.route("/", deadLetterRoutes);
dashboard.route("/", routeControlRoutes());
dashboard.route("/", laneRoutes);
dashboard.route("/", loginRoutes);

/**
 * Errors of an enabled dashboard become pages; a rejected session goes back to the login form. While the
 * dashboard is off, errors go to the gateway's handler, so the 404 is the API's problem+json.
 */
dashboard.onError((error, c) => {
  if (!(error instanceof Problem) || !adminTokenOf(c.env)) throw error;
  if (error.status === 401) {
    endAdminSession(c);
    return c.redirect(LOGIN_PATH, 303);
  }
  for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
  return renderPage(c, <ErrorPage status={error.status} detail={error.detail} />, error.status);
});
