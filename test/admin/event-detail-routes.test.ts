/** The event detail of the admin API says which routes the event was given and each route's attempt budget. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { EventDetail } from "../../src/admin/admin-schemas";
import { ledgerFor, shardForEvent } from "../../src/claim/shard-for-event";
import worker from "../../src/index";
import { BASE, genericEvent, post } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const SHARDS = 1024;

async function call(request: Request, testEnv: Env): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, testEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("GET /admin/api/events/:source/:id", () => {
  it("lists the routes chosen at acceptance and each configured route's maxAttempts", async () => {
    const name = `detail-${crypto.randomUUID().slice(0, 8)}`;
    const routes = [
      { name, sources: ["generic"], destination: { url: `https://agent.example/${name}` }, maxAttempts: 3 },
      { name: `${name}-other`, sources: ["stripe"], destination: { url: "https://agent.example/other" } },
    ];
    const added: Record<string, string> = {
      CLAIM_SHARDS: String(SHARDS),
      HOOKGATE_ROUTES: JSON.stringify(routes),
    };
    const testEnv: Env = { ...env, ...added };
    // A shard of its own whose queue sends fail, so no consumer of the shared test queue takes the event.
    let id = `gen_${crypto.randomUUID()}`;
    while (shardForEvent("generic", id, SHARDS) < 16) id = `gen_${crypto.randomUUID()}`;
    await ledgerFor(testEnv, shardForEvent("generic", id, SHARDS)).injectFaults({ failSends: 1000 });
    expect((await call(post(genericEvent({ id, type: "thing.happened" })), testEnv)).status).toBe(202);

    const response = await call(
      new Request(`${BASE}/admin/api/events/generic/${id}`, {
        headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
      }),
      testEnv,
    );
    expect(response.status).toBe(200);
    const detail = EventDetail.parse(await response.json());
    expect(detail.routes).toEqual([name]);
    expect(detail.maxAttemptsByRoute).toEqual({ [name]: 3, [`${name}-other`]: 8 });
    expect(detail.maxAttempts).toBe(8);
  });
});
