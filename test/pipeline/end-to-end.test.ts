import { exports } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { waitForDeliveries } from "../support/agent-sink-client";
import { githubEvent, post } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

describe("a signed GitHub event", () => {
  it("is accepted with 202 and reaches the agent endpoint exactly once, signed", async () => {
    const fixture = await githubEvent({ action: "opened", issue: { number: 7, id: crypto.randomUUID() } });
    const response = await exports.default.fetch(post(fixture));
    expect(response.status).toBe(202);
    const { id } = await response.json<{ id: string }>();
    expect(id).toBe(fixture.headers["x-github-delivery"]);

    const [delivery, ...rest] = await waitForDeliveries(id);
    expect(rest).toHaveLength(0);
    const verified = new Webhook(TEST_SECRETS.AGENT_SIGNING_SECRET).verify(delivery!.body, delivery!.headers);
    expect(verified).toMatchObject({
      id,
      source: "github",
      type: "issues.opened",
      payload: { action: "opened", issue: { number: 7 } },
    });
    expect(delivery!.headers["idempotency-key"]).toBe(`github:${id}:forward`);
  });
});
