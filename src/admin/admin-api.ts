/**
 * `/admin/api/*`: search the event log, inspect one event with its attempts and payload, replay it, list
 * and redrive dead letters, read summary metrics, list, pause and resume the routes, reset their budgets,
 * read and skip their ordered lanes. Bearer `ADMIN_TOKEN` required (never a cookie);
 * 404 when it is unset. Every response body is parsed with its zod schema before it is sent.
 */
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { routeTableFor } from "../handlers/route-table";
import { nestedDeeperThan } from "../normalize/json-text";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import {
  EventDetail,
  EventList,
  ListEventsQuery,
  Metrics,
  MetricsQuery,
  NoQuery,
  RedriveRequest,
  RedriveResult,
  ReplayAccepted,
  ReplayQuery,
} from "./admin-schemas";
import { jobTrackerApi } from "./job-tracker-api";
import { laneApi } from "./lane-api";
import { listRoutes } from "./list-routes";
import { loadEventDetail } from "./load-event-detail";
import { MAX_SERIALISED_PAYLOAD_DEPTH } from "./payload-depth";
import { listEvents, summarize } from "./read-event-log";
import { redriveDeadEvents } from "./redrive-dead-events";
import { replayForOperator } from "./replay-for-operator";
import { requireAdminToken } from "./require-admin-token";
import { withActivity } from "./route-activity";
import { routeBudgetApi, trippedKeysOf } from "./route-budget-api";
import { routeControlApi } from "./route-control-api";
import { RouteDetailView, RouteListView, RouteParams } from "./route-schemas";
import { validate } from "./validate";

/**
 * A body that is not JSON would reach the validator as `{}`, which means "every dead event": a redrive
 * must say `application/json`, or it is refused with 415 before anything runs.
 */
const requireJsonBody = createMiddleware(async function requireJsonBody(c, next) {
  if (!/^application\/json\s*(;|$)/i.test(c.req.header("content-type") ?? ""))
    throw new Problem(415, "The body must be application/json (send {} to redrive the newest dead events).");
  await next();
});

/**
 * Answers carry payloads and request headers: no cache may keep them, and no browser may read them as
 * anything but what they say they are. Set on every answer, refusals included.
 */
const neverCached = createMiddleware(async function neverCached(c, next) {
  await next();
  c.res.headers.set("cache-control", "no-store");
  c.res.headers.set("x-content-type-options", "nosniff");
});

export const adminApi = new Hono<{ Bindings: Env }>();

adminApi.use("*", neverCached);
adminApi.use("*", requireAdminToken);

adminApi.get("/events", validate("query", ListEventsQuery), async (c) => {
  const result = await listEvents(c.env, c.req.valid("query"));
  if (!result.ok) throw new Problem(400, `Invalid query: ${result.reason}.`);
  return c.json(EventList.parse({ events: result.events, nextCursor: result.nextCursor }));
});

adminApi.get("/events/:source/:id", validate("query", NoQuery), async (c) => {
  const { source, id } = c.req.param();
  const detail = await loadEventDetail(c.env, source, id);
  if (!detail) throw new Problem(404, "No such event in the event log.");
  const tooDeep = nestedDeeperThan(detail.payload, MAX_SERIALISED_PAYLOAD_DEPTH);
  return c.json(EventDetail.parse({ ...detail, payload: tooDeep ? detail.bodyText : detail.payload }));
});

adminApi.post("/events/:source/:id/replay", validate("query", ReplayQuery), async (c) => {
  const { source, id } = c.req.param();
  const { handler } = c.req.valid("query");
  const replay = await replayForOperator(c.env, source, id, handler, "api");
  return c.json(
    ReplayAccepted.parse({ source, id, replay, handler: handler ?? null, status: "enqueued" }),
    202,
  );
});

adminApi.get("/dead-letters", validate("query", ListEventsQuery.omit({ status: true })), async (c) => {
  const result = await listEvents(c.env, { ...c.req.valid("query"), status: "dead" });
  if (!result.ok) throw new Problem(400, `Invalid query: ${result.reason}.`);
  return c.json(EventList.parse({ events: result.events, nextCursor: result.nextCursor }));
});

adminApi.post(
  "/dead-letters/redrive",
  validate("query", NoQuery),
  requireJsonBody,
  validate("json", RedriveRequest),
  async (c) => {
    const request = c.req.valid("json");
    const { redriven, skipped } = await redriveDeadEvents(c.env, request.events ?? null, request.limit);
    log("admin", { outcome: "redrive", redriven: redriven.length, skipped: skipped.length });
    return c.json(RedriveResult.parse({ redriven, skipped }));
  },
);

adminApi.route("/routes", routeControlApi());
adminApi.route("/routes", routeBudgetApi);
adminApi.route("/routes", laneApi());
adminApi.route("/agents/job-tracker", jobTrackerApi);
adminApi.get("/routes", validate("query", NoQuery), async (c) => {
  const { configured, routes } = listRoutes(c.env);
  return c.json(RouteListView.parse({ configured, routes: await withActivity(c.env, routes) }));
});

adminApi.get("/routes/:name", validate("param", RouteParams), validate("query", NoQuery), async (c) => {
  const { name } = c.req.valid("param");
  const route = listRoutes(c.env).routes.find((candidate) => candidate.name === name);
  if (!route) throw new Problem(404, "No route is named so.");
  const configured = routeTableFor(c.env).routes.get(name);
  const trippedKeys = configured ? await trippedKeysOf(c.env, configured) : [];
  const [active] = await withActivity(c.env, [route]);
  return c.json(RouteDetailView.parse({ ...active, trippedKeys }));
});

adminApi.get("/metrics", validate("query", MetricsQuery), async (c) => {
  return c.json(Metrics.parse(await summarize(c.env, c.req.valid("query").window)));
});
