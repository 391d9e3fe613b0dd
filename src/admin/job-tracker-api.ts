/**
 * `/admin/api/agents/job-tracker/:name/state` and `/token`: an operator reads a job's tracked state, or
 * mints a short-lived read token for it to hand to a browser. Mounted under the admin API, so the bearer
 * token is checked before these run.
 */
import { getAgentByName } from "agents";
import { Hono } from "hono";
import { z } from "zod";
import { jobTrackerNamespace } from "../agents/job-name";
import { DEFAULT_READ_TOKEN_SECONDS, mintReadToken, readTokenSecretOf } from "../agents/job-read-token";
import { JobState } from "../agents/job-state";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { NoQuery } from "./admin-schemas";
import { JobParams, ReadTokenRequest, ReadTokenView } from "./job-tracker-schemas";
import { validate } from "./validate";

function trackerOf(env: Env) {
  const namespace = jobTrackerNamespace(env);
  if (!namespace) throw new Problem(404, "No job tracker is bound here (JOB_TRACKER in wrangler.toml).");
  return namespace;
}

async function tokenRequestOf(request: Request): Promise<z.infer<typeof ReadTokenRequest>> {
  const text = await request.text();
  let body: unknown = {};
  try {
    body = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new Problem(400, "Invalid json: the body is not JSON.");
  }
  const parsed = ReadTokenRequest.safeParse(body);
  if (!parsed.success)
    throw new Problem(400, `Invalid json: ${z.prettifyError(parsed.error).slice(0, 300)}.`);
  return parsed.data;
}

export const jobTrackerApi = new Hono<{ Bindings: Env }>();

jobTrackerApi.get("/:name/state", validate("query", NoQuery), validate("param", JobParams), async (c) => {
  const { name } = c.req.valid("param");
  const tracker = await getAgentByName(trackerOf(c.env), name);
  return c.json(JobState.parse(await tracker.currentState()));
});

jobTrackerApi.post("/:name/token", validate("query", NoQuery), validate("param", JobParams), async (c) => {
  const { name } = c.req.valid("param");
  trackerOf(c.env);
  const secret = readTokenSecretOf(c.env);
  if (!secret)
    throw new Problem(
      503,
      "JOB_READ_TOKEN_SECRET is not set (at least 32 characters): no read token can be minted.",
    );
  const { ttlSeconds = DEFAULT_READ_TOKEN_SECONDS } = await tokenRequestOf(c.req.raw);
  const expiresAt = Math.floor(Date.now() / 1000) + ttlSeconds;
  const token = await mintReadToken(secret, name, expiresAt);
  log("admin", { outcome: "job_read_token", job: name.slice(0, 64), ttl_seconds: ttlSeconds });
  const query = `?token=${encodeURIComponent(token)}`;
  return c.json(
    ReadTokenView.parse({
      token,
      expires_at: new Date(expiresAt * 1000).toISOString(),
      watch_url: `/jobs/${name}${query}`,
      socket_path: `/agents/job-tracker/${name}${query}`,
    }),
  );
});
