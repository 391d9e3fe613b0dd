/**
 * The public side of the job tracker: `/agents/job-tracker/:name` (the SDK's WebSocket, state sync) and
 * the `/jobs/:name` page. A reader is authorised BEFORE the upgrade: the SDK sends the Agent's identity and
 * full state as soon as a socket is accepted, before `onConnect` could refuse it, so refusing later leaks.
 */
import { routeAgentRequest } from "agents";
import { type Context, Hono } from "hono";
import { JobName, jobTrackerNamespace } from "../agents/job-name";
import { JOB_PAGE } from "../agents/job-page";
import { READER_GRANT_HEADER, readTokenRefusal, readTokenSecretOf } from "../agents/job-read-token";
import { log } from "../shared/log";
import { Problem, problemResponse } from "../shared/problem";
import { adminLockoutSeconds, recordFailedAdminAttempt } from "./admin-lockout";
import { adminTokenOf, bearerTokenOf, tokensMatch } from "./require-admin-token";

/**
 * Whether `request` may read job `name`: the admin token as `Authorization: Bearer`, or a read token for
 * this job as `?token=` (a browser's WebSocket cannot set headers) or as the bearer. Null when it may.
 */
export async function readerRefusal(request: Request, env: Env, name: string): Promise<string | null> {
  const header = request.headers.get("authorization");
  const bearer = bearerTokenOf(header) ?? null;
  const admin = adminTokenOf(env);
  if (bearer && admin && (await tokensMatch(bearer, admin))) return null;
  const token = new URL(request.url).searchParams.get("token") ?? bearer;
  if (!token) return "no_token";
  const now = Math.floor(Date.now() / 1000);
  return readTokenRefusal(readTokenSecretOf(env), name, token, now);
}

/** The request the Agent gets: marked as authorised for `name`, without the caller's credentials. */
function grantedRequest(request: Request, name: string): Request {
  const granted = new Request(request);
  granted.headers.delete("authorization");
  granted.headers.set(READER_GRANT_HEADER, name);
  return granted;
}

function lockedOut(seconds: number): Response {
  return problemResponse(429, "Too many failed attempts; retry later.", { "retry-after": String(seconds) });
}

/**
 * The Agent's request, or the refusal. Failures count toward the admin lockout of the client's IP, as a
 * wrong admin token does: this door accepts the admin token too, so it must not be a way around the limit.
 */
async function authorise(request: Request, env: Env, name: string): Promise<Request | Response> {
  const ip = request.headers.get("cf-connecting-ip") ?? undefined;
  const wait = adminLockoutSeconds(ip);
  if (wait > 0) {
    log("agents", { outcome: "locked_out", job: name.slice(0, 64), ip });
    return lockedOut(wait);
  }
  const refusal = await readerRefusal(request, env, name);
  if (refusal === null) return grantedRequest(request, name);
  log("agents", { outcome: "unauthorized", job: name.slice(0, 64), reason: refusal, ip });
  if (await recordFailedAdminAttempt(env, ip)) return lockedOut(adminLockoutSeconds(ip));
  return problemResponse(401, "A read token for this job (or the admin token) is required.", {
    "www-authenticate": 'Bearer realm="hookgate-jobs"',
  });
}

export const jobTrackerRoutes = new Hono<{ Bindings: Env }>();

async function routeToTracker(c: Context<{ Bindings: Env }>): Promise<Response> {
  const segment = new URL(c.req.url).pathname.split("/")[3] ?? "";
  const name = JobName.safeParse(segment);
  if (!name.success || !jobTrackerNamespace(c.env)) throw new Problem(404, "No job tracker is here.");
  // Any caller-sent grant is removed first: only `authorise` may set it.
  const request = new Request(c.req.raw);
  request.headers.delete(READER_GRANT_HEADER);
  const check = (incoming: Request) => authorise(incoming, c.env, name.data);
  const response = await routeAgentRequest(request, c.env, {
    onBeforeConnect: check,
    onBeforeRequest: check,
  });
  return response ?? problemResponse(404, "No job tracker is here.");
}

jobTrackerRoutes.all("/agents/job-tracker/:name", routeToTracker);
jobTrackerRoutes.all("/agents/job-tracker/:name/*", routeToTracker);

jobTrackerRoutes.get("/jobs/:name", (c) => {
  if (!JobName.safeParse(c.req.param("name")).success) throw new Problem(404, "No job has this name.");
  return c.html(JOB_PAGE, 200, { "cache-control": "no-store" });
});
