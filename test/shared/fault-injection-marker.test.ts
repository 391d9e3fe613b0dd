/** The fault-injection seam works only under vitest: outside tests, setting it fails /healthz instead. */
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { callFaults, faultInjectionAllowed } from "../../src/shared/fault-injection";
import { BASE, githubEvent, post } from "../support/signed-requests";

/** The gateway as deployed: vitest.config.ts's test marker is absent. */
const deployed = (vars: Record<string, string | undefined>) => ({
  ...env,
  ALLOW_FAULT_INJECTION: undefined,
  FAULT_INJECTION_TEST_MARKER: undefined,
  ...vars,
});
const ledgerUnavailable = JSON.stringify({ ledgerUnavailable: true });

afterEach(() => vi.restoreAllMocks());

describe("fault injection outside tests", () => {
  it.each([
    { ALLOW_FAULT_INJECTION: "true" },
    { FAULT_INJECTION: ledgerUnavailable },
    { ALLOW_FAULT_INJECTION: "true", FAULT_INJECTION: ledgerUnavailable },
  ])("fails /healthz with 503 naming the problem, and logs an error: %o", async (vars) => {
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void errors.push(String(line)));
    const response = await worker.fetch(
      new Request(`${BASE}/healthz`),
      deployed(vars),
      createExecutionContext(),
    );
    expect(response.status).toBe(503);
    const body = await response.json<{ status: string; checks: { faultInjection: string } }>();
    expect(body.status).toBe("misconfigured");
    expect(body.checks.faultInjection).toMatch(/without the test marker/);
    expect(errors.some((line) => line.includes("without the test marker"))).toBe(true);
  });

  it("keeps the seam off: a webhook is accepted although a fault is requested", async () => {
    const gateway = deployed({ ALLOW_FAULT_INJECTION: "true", FAULT_INJECTION: ledgerUnavailable });
    expect(faultInjectionAllowed(gateway)).toBe(false);
    expect(callFaults(gateway)).toBeNull();
    const response = await worker.fetch(post(await githubEvent()), gateway, createExecutionContext());
    expect(response.status).toBe(202);
  });

  it("works under vitest, where the marker is set, and /healthz stays 200", async () => {
    expect(faultInjectionAllowed(env)).toBe(true);
    const broken = { ...env, FAULT_INJECTION: ledgerUnavailable };
    expect(callFaults(broken)).toMatchObject({ ledgerUnavailable: true });
    const health = await worker.fetch(new Request(`${BASE}/healthz`), env, createExecutionContext());
    expect(health.status).toBe(200);
  });

  it("answers 200 from /healthz when nothing is set", async () => {
    const health = await worker.fetch(new Request(`${BASE}/healthz`), deployed({}), createExecutionContext());
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "ok", checks: { faultInjection: "off" } });
  });
});
