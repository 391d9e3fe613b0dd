import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { jira } from "../../src/providers/jira";
import { identifyWith, verifyWith } from "../support/verify-with";

// Atlassian publishes no SDK verifier and no fixed vector; signatures follow the documented algorithm,
// `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>` keyed with the webhook's secret
// (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks), via node:crypto.
const SECRET = "jira-admin-webhook-secret";
const PREVIOUS = "jira-previous-secret";
const NOW = 1_700_000_000;
const DELIVERY = "9d2a4c0e-3f5b-4e8a-b1c7-2f6d8e0a4b13";
const BODY = JSON.stringify({
  timestamp: 1_700_000_000_000,
  webhookEvent: "jira:issue_created",
  issue_event_type_name: "issue_created",
  issue: { id: "10001", key: "TEST-1", fields: { summary: "A bug" } },
});

const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
const signed = (body = BODY, secret = SECRET) => ({
  headers: {
    "x-hub-signature": sign(body, secret),
    "x-atlassian-webhook-identifier": DELIVERY,
    "x-atlassian-webhook-flow": "Primary",
  },
  body,
});

describe("jira verifier", () => {
  it("accepts a body signed with the documented algorithm", async () => {
    expect(await verifyWith(jira, signed(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body", async () => {
    const parts = { ...signed(), body: BODY.replace("A bug", "Not a bug") };
    expect(await verifyWith(jira, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a body signed with another secret", async () => {
    expect(await verifyWith(jira, signed(BODY, PREVIOUS), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("reports a missing signature", async () => {
    expect(await verifyWith(jira, { headers: {}, body: BODY }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-hub-signature" },
    });
  });

  it("rejects other methods, a bare digest and base64", async () => {
    const hex = createHmac("sha256", SECRET).update(BODY).digest("hex");
    const base64 = createHmac("sha256", SECRET).update(BODY).digest("base64");
    for (const header of [`sha1=${hex.slice(0, 40)}`, hex, `sha256=${base64}`, "sha256="]) {
      expect(
        await verifyWith(jira, { headers: { "x-hub-signature": header }, body: BODY }, [SECRET], NOW),
      ).toMatchObject({ error: { reason: "malformed_header", header: "x-hub-signature" } });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(jira, signed(BODY, PREVIOUS), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("identifies deliveries by X-Atlassian-Webhook-Identifier and body webhookEvent", () => {
    expect(identifyWith(jira, signed())).toMatchObject({
      ok: true,
      value: { id: DELIVERY, type: "jira:issue_created" },
    });
  });

  it("leaves the id to the body digest without the identifier header, and requires JSON", () => {
    const identity = identifyWith(jira, { headers: {}, body: BODY });
    expect(identity.ok && identity.value.id).toBeUndefined();
    expect(identifyWith(jira, { headers: {}, body: "not json" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
