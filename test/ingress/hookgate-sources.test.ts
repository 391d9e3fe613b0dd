/**
 * Sources configured in `HOOKGATE_SOURCES`, end to end through `POST /webhooks/:source`: a valid `hmac`
 * source accepts signed events (with rotation); an invalid variable is a 503 everywhere, never a lost event.
 */

import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { ledgerOf } from "../support/pipeline";
import { BASE, githubEvent, post } from "../support/signed-requests";

const SECRET = "agentx-test-secret";
const OLD_SECRET = "agentx-old-secret";

/** The seed example, as an operator would write it in wrangler.toml. */
const AGENTX = {
  name: "agentx",
  provider: "hmac",
  secretVar: "AGENTX_WEBHOOK_SECRET",
  hmac: {
    header: "X-AgentX-Signature",
    algorithm: "SHA-256",
    encoding: "hex",
    prefix: "sha256=",
    signedContent: "{body}",
    timestampHeader: null,
    toleranceSeconds: 300,
    id: ["payload.job_id", "payload.status"],
    type: "payload.event",
  },
};

const withVars = (vars: Record<string, string>): Env => ({ ...env, ...vars });
const configured = (sources: unknown = [AGENTX], secrets: Record<string, string> = {}) =>
  withVars({ HOOKGATE_SOURCES: JSON.stringify(sources), AGENTX_WEBHOOK_SECRET: SECRET, ...secrets });

function agentxRequest(job = crypto.randomUUID(), secret = SECRET, status = "running") {
  const body = JSON.stringify({ event: "job.progress", job_id: job, status, progress: 0.5 });
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return new Request(`${BASE}/webhooks/agentx`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-agentx-signature": signature },
    body,
  });
}

async function send(request: Request, testEnv: Env) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

afterEach(() => vi.restoreAllMocks());

describe("an hmac source from HOOKGATE_SOURCES", () => {
  it("accepts a signed event, stores it under the joined id and the body's type, and dedupes it", async () => {
    const testEnv = configured();
    const job = crypto.randomUUID();
    const first = await send(agentxRequest(job), testEnv);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ id: `${job}:running`, status: "accepted" });
    const { ledger } = ledgerOf("agentx", `${job}:running`, testEnv);
    const stored = await runInDurableObject(ledger, (_instance, state) =>
      state.storage.sql
        .exec<{ type: string }>(
          "SELECT type FROM claims WHERE source = 'agentx' AND event_id = ?",
          `${job}:running`,
        )
        .one(),
    );
    expect(stored.type).toBe("job.progress");
    expect((await send(agentxRequest(job), testEnv)).status).toBe(200);
    expect((await send(agentxRequest(job, SECRET, "done"), testEnv)).status).toBe(202);
  });

  it("refuses a tampered or wrongly signed event with 401", async () => {
    const testEnv = configured();
    expect((await send(agentxRequest(undefined, "not-the-secret"), testEnv)).status).toBe(401);
  });

  it("rotates: the _PREVIOUS secret is accepted while set, and only then", async () => {
    const rotating = configured([AGENTX], { AGENTX_WEBHOOK_SECRET_PREVIOUS: OLD_SECRET });
    expect((await send(agentxRequest(undefined, OLD_SECRET), rotating)).status).toBe(202);
    expect((await send(agentxRequest(undefined, SECRET), rotating)).status).toBe(202);
    expect((await send(agentxRequest(undefined, OLD_SECRET), configured())).status).toBe(401);
  });

  it("applies its allowedIps and maxBodyBytes like a preset's", async () => {
    const limited = configured([{ ...AGENTX, allowedIps: ["203.0.113.0/24"], maxBodyBytes: 64 }]);
    const from = (ip: string) => {
      const request = agentxRequest();
      return new Request(request, {
        headers: { ...Object.fromEntries(request.headers), "cf-connecting-ip": ip },
      });
    };
    expect((await send(from("198.51.100.1"), limited)).status).toBe(403);
    expect((await send(from("203.0.113.9"), limited)).status).toBe(413);
  });

  it("is a 404 naming the variable to set while its secret is unset", async () => {
    const testEnv = withVars({ HOOKGATE_SOURCES: JSON.stringify([AGENTX]) });
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void logs.push(String(line)));
    expect((await send(agentxRequest(), testEnv)).status).toBe(404);
    expect(logs.join("\n")).toContain("source_not_configured: set AGENTX_WEBHOOK_SECRET");
  });
});

describe("an invalid HOOKGATE_SOURCES", () => {
  const broken = [{ ...AGENTX, hmac: { ...AGENTX.hmac, id: { header: "X-AgentX-Job" } } }];

  it("answers /healthz 503 with the path and message of each error", async () => {
    for (const [value, path] of [
      [JSON.stringify(broken), "HOOKGATE_SOURCES[0].hmac.id"],
      ['[{"name": "agentx",', "HOOKGATE_SOURCES"],
    ] as const) {
      const response = await send(new Request(`${BASE}/healthz`), withVars({ HOOKGATE_SOURCES: value }));
      expect(response.status).toBe(503);
      const health = await response.json<{ status: string; checks: { sources: { errors: unknown[] } } }>();
      expect(health.status).toBe("misconfigured");
      expect(health.checks.sources.errors).toContainEqual({ path, message: expect.any(String) });
    }
    const healthy = await send(new Request(`${BASE}/healthz`), configured());
    expect(await healthy.json()).toMatchObject({ status: "ok", checks: { sources: "ok" } });
  });

  it("answers every webhook 503 with Retry-After (code sources too), logs why once, and loses nothing", async () => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    vi.spyOn(console, "log").mockImplementation(() => {});
    const unsignedId = [{ ...AGENTX, hmac: { ...AGENTX.hmac, id: { header: "X-AgentX-Run" } } }];
    const misconfigured = withVars({
      HOOKGATE_SOURCES: JSON.stringify(unsignedId),
      AGENTX_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: "info",
    });
    const agentx = agentxRequest();
    const github = post(await githubEvent());
    for (const request of [agentx.clone(), github.clone(), agentx.clone()]) {
      const response = await send(request, misconfigured);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("60");
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    const reports = errors.map((line) => JSON.parse(line)).filter((line) => line.stage === "config");
    expect(reports).toEqual([
      expect.objectContaining({
        outcome: "misconfigured",
        path: "HOOKGATE_SOURCES[0].hmac.id",
        message: expect.stringContaining("does not cover header x-agentx-run"),
      }),
    ]);

    // The provider retries after the fix: the same requests are accepted, so nothing was lost.
    const fixed = configured();
    expect((await send(agentx.clone(), fixed)).status).toBe(202);
    expect((await send(github.clone(), fixed)).status).toBe(202);
  });
});
