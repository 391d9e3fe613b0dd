import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { pagerduty } from "../../src/providers/pagerduty";
import { identifyWith, verifyWith } from "../support/verify-with";

// PagerDuty publishes the algorithm but no vector, and its JS SDK has no verification helper:
// https://developer.pagerduty.com/docs/webhooks/webhook-signatures/
// `sign` is that recipe: "v1=" + hex HMAC-SHA256(subscription secret, raw body), via node:crypto; while a
// secret is rotated the header lists one `v1=` entry per secret, comma-separated. The body follows the
// docs' v3 `incident.triggered` example. Nothing is timed, so there are no freshness tests.
const SECRET = "pagerduty-webhook-secret-0f9e8d7c";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({
  event: {
    id: "01BZ4Y5X3PEGC4XSFMM93IPUZD",
    event_type: "incident.triggered",
    resource_type: "incident",
    occurred_at: "2020-10-02T18:45:22.169Z",
    agent: { html_url: "https://acme.pagerduty.com/users/PLH1HKV", id: "PLH1HKV", type: "user_reference" },
    data: { id: "PGR0VU2", type: "incident", title: "A little bump in the road", status: "triggered" },
  },
});
const sign = (body: string, secret = SECRET) =>
  `v1=${createHmac("sha256", secret).update(body).digest("hex")}`;
const parts = (signature: string | null = sign(BODY), body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "x-pagerduty-signature": signature },
  body,
});

describe("pagerduty verifier", () => {
  it("accepts a message signed with the documented recipe", async () => {
    expect(await verifyWith(pagerduty, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("accepts any entry of a header listing several v1 signatures (PagerDuty's own rotation)", async () => {
    const header = `${sign(BODY, "the-old-secret")},${sign(BODY)}, v2=${"0".repeat(64)}`;
    expect((await verifyWith(pagerduty, parts(header), [SECRET], NOW)).ok).toBe(true);
  });

  it("rejects a changed body and another secret", async () => {
    expect(
      await verifyWith(pagerduty, parts(sign(BODY), BODY.replace("PGR0VU2", "PGR0VU3")), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(pagerduty, parts(sign(BODY, "another-secret")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(pagerduty, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-pagerduty-signature" },
    });
  });

  it("rejects headers with no well-formed v1 entry", async () => {
    const hex = createHmac("sha256", SECRET).update(BODY).digest("hex");
    const base64 = createHmac("sha256", SECRET).update(BODY).digest("base64");
    for (const signature of [hex, `v1=${base64}`, `v0=${hex}`, `v1=${hex.slice(2)}`, ""]) {
      expect(await verifyWith(pagerduty, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-pagerduty-signature" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(pagerduty, parts(), ["the-new-secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("pagerduty events", () => {
  it("identifies by event.id and types by event.event_type", () => {
    expect(identifyWith(pagerduty, parts())).toEqual({
      ok: true,
      value: { id: "01BZ4Y5X3PEGC4XSFMM93IPUZD", type: "incident.triggered", payload: JSON.parse(BODY) },
    });
  });

  it("refuses a message without event.id, and a body that is not JSON", () => {
    expect(
      identifyWith(pagerduty, { headers: {}, body: '{"event":{"event_type":"pagey.ping"}}' }),
    ).toMatchObject({
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(pagerduty, { headers: {}, body: "ping" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
