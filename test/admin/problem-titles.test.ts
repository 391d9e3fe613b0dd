/** Every refusal of the admin API is an RFC 9457 problem whose title is the status's reason phrase. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { ProblemBody } from "../../src/shared/problem";
import { BASE } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

describe("a 409 Conflict", () => {
  it("is titled Conflict: skipping the head of a lane that is not blocked", async () => {
    const name = `ordered-${crypto.randomUUID().slice(0, 8)}`;
    const routes = [
      { name, sources: ["*"], orderBy: "payload.key", destination: { url: `https://agent.example/${name}` } },
    ];
    const added: Record<string, string> = { HOOKGATE_ROUTES: JSON.stringify(routes) };
    const testEnv: Env = { ...env, ...added };
    const ctx = createExecutionContext();
    const response = await worker.fetch(
      new Request(`${BASE}/admin/api/routes/${name}/lanes/k1/skip`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
      }),
      testEnv,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(409);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(ProblemBody.parse(await response.json())).toMatchObject({ status: 409, title: "Conflict" });
  });
});
