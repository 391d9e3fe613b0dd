/** Invalid tunables fall back to their defaults, and say so by name in the log and /healthz. */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { settingProblems, settingsFrom } from "../../src/config/settings";
import worker from "../../src/index";
import { BASE, genericEvent, post } from "../support/signed-requests";

describe("invalid settings", () => {
  it("fall back to the default and name the variable", () => {
    const bad = { ...env, CLAIM_SHARDS: "5000", RETRY_BASE_SECONDS: "soon", HANDLER_MAX_ATTEMPTS: "3" };
    expect(settingsFrom(bad)).toMatchObject({
      CLAIM_SHARDS: 4,
      RETRY_BASE_SECONDS: 5,
      HANDLER_MAX_ATTEMPTS: 3,
    });
    expect(settingProblems(bad)).toEqual([
      'CLAIM_SHARDS="5000" is not valid; using 4',
      'RETRY_BASE_SECONDS="soon" is not valid; using 5',
    ]);
    expect(settingProblems(env)).toEqual([]);
  });

  it("show in /healthz without failing it: the defaults keep the gateway working", async () => {
    const bad = { ...env, AGENT_TIMEOUT_MS: "-1" };
    const response = await worker.fetch(new Request(`${BASE}/healthz`), bad, createExecutionContext());
    expect(response.status).toBe(200);
    const body = await response.json<{ checks: { settings: unknown } }>();
    expect(body.checks.settings).toEqual({ invalid: ['AGENT_TIMEOUT_MS="-1" is not valid; using 15000'] });
  });

  it("name a LOG_LEVEL that is neither info nor debug, which logs as info", async () => {
    expect(settingProblems({ ...env, LOG_LEVEL: "DEBUG" })).toEqual([
      'LOG_LEVEL="DEBUG" is not valid; using info',
    ]);
    expect(settingProblems({ ...env, LOG_LEVEL: "debug" })).toEqual([]);
    expect(settingProblems({ ...env, LOG_LEVEL: "info" })).toEqual([]);
    const bad = { ...env, LOG_LEVEL: "verbose" };
    const response = await worker.fetch(new Request(`${BASE}/healthz`), bad, createExecutionContext());
    expect(response.status).toBe(200);
    const body = await response.json<{ checks: { settings: unknown } }>();
    expect(body.checks.settings).toEqual({ invalid: ['LOG_LEVEL="verbose" is not valid; using info'] });
  });
});

describe("a missing stored-request bucket (a wrangler.toml from before it existed)", () => {
  it("fails /healthz with the fix, and webhooks answer 503 with Retry-After instead of accepting", async () => {
    const without = { ...env, STORED_REQUESTS: undefined } as unknown as Env;
    const health = await worker.fetch(new Request(`${BASE}/healthz`), without, createExecutionContext());
    expect(health.status).toBe(503);
    const body = await health.json<{ checks: { bindings: string } }>();
    expect(body.checks.bindings).toMatch(/STORED_REQUESTS \(R2\) is not bound: add \[\[r2_buckets\]\]/);
    const ok = await worker.fetch(new Request(`${BASE}/healthz`), env, createExecutionContext());
    expect((await ok.json<{ checks: { bindings: string } }>()).checks.bindings).toBe("ok");

    const webhook = await worker.fetch(post(genericEvent()), without, createExecutionContext());
    expect(webhook.status).toBe(503);
    expect(webhook.headers.get("retry-after")).toBe("60");
    expect(webhook.headers.get("content-type")).toContain("application/problem+json");
  });
});
