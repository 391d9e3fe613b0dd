import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { standardWebhooks } from "../../src/providers/standard-webhooks";
import { identifyWith, verifyWith } from "../support/verify-with";

// Official vector from the Standard Webhooks reference libraries' tests
// (https://github.com/standard-webhooks/standard-webhooks, libraries/javascript/src/index.test.ts).
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const parts = (overrides: Record<string, string> = {}, body = BODY, prefix = "webhook") => ({
  headers: {
    [`${prefix}-id`]: ID,
    [`${prefix}-timestamp`]: String(TIMESTAMP),
    [`${prefix}-signature`]: SIGNATURE,
    ...overrides,
  },
  body,
});

describe("standard webhooks verifier", () => {
  it("accepts the reference vector", async () => {
    expect((await verifyWith(standardWebhooks, parts(), [SECRET], TIMESTAMP)).ok).toBe(true);
  });

  it("accepts the svix-* header names too", async () => {
    expect((await verifyWith(standardWebhooks, parts({}, BODY, "svix"), [SECRET], TIMESTAMP)).ok).toBe(true);
  });

  it("accepts a signature made by the standardwebhooks SDK among several", async () => {
    const signature = new Webhook(SECRET).sign("msg_2", new Date(TIMESTAMP * 1000), BODY);
    const header = `v1,${"A".repeat(43)}= ${signature}`;
    const request = parts({ "webhook-id": "msg_2", "webhook-signature": header });
    expect((await verifyWith(standardWebhooks, request, [SECRET], TIMESTAMP)).ok).toBe(true);
  });

  it("rejects a changed body, another id and another secret", async () => {
    expect(
      (await verifyWith(standardWebhooks, parts({}, '{"test": 2432232315}'), [SECRET], TIMESTAMP)).ok,
    ).toBe(false);
    expect(
      (await verifyWith(standardWebhooks, parts({ "webhook-id": "msg_other" }), [SECRET], TIMESTAMP)).ok,
    ).toBe(false);
    expect(
      (await verifyWith(standardWebhooks, parts(), ["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"], TIMESTAMP)).ok,
    ).toBe(false);
  });

  it("rejects stale and future timestamps", async () => {
    expect(await verifyWith(standardWebhooks, parts(), [SECRET], TIMESTAMP + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(standardWebhooks, parts(), [SECRET], TIMESTAMP - 301)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("rejects missing headers and unknown signature versions", async () => {
    const { "webhook-id": _, ...noId } = parts().headers;
    expect(
      await verifyWith(standardWebhooks, { headers: noId, body: BODY }, [SECRET], TIMESTAMP),
    ).toMatchObject({
      error: { reason: "missing_header" },
    });
    expect(
      await verifyWith(standardWebhooks, parts({ "webhook-signature": "v2,abc=" }), [SECRET], TIMESTAMP),
    ).toMatchObject({
      error: { reason: "malformed_header" },
    });
  });

  it("accepts the previous secret during a rotation", async () => {
    const current = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    expect((await verifyWith(standardWebhooks, parts(), [current, SECRET], TIMESTAMP)).ok).toBe(true);
  });

  it("refuses secrets that are not base64", () => {
    expect(standardWebhooks.decodeSecret("whsec_not base64!")).toBeNull();
  });

  it("identifies by webhook-id and body type, and requires JSON", () => {
    const body = JSON.stringify({ type: "user.created" });
    expect(identifyWith(standardWebhooks, { headers: { "webhook-id": ID }, body })).toMatchObject({
      ok: true,
      value: { id: ID, type: "user.created" },
    });
    expect(identifyWith(standardWebhooks, { headers: { "webhook-id": ID }, body: "x" })).toMatchObject({
      ok: false,
    });
  });
});
