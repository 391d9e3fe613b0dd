import { Webhook } from "svix";
import { describe, expect, it } from "vitest";
import { svix } from "../../src/providers/svix";
import { identifyWith, verifyWith } from "../support/verify-with";

// The reference vector of Svix's verification docs (https://docs.svix.com/receiving/verifying-payloads/how) and
// the Standard Webhooks libraries' tests, sent with `svix-*` headers; the first test re-signs it with Svix's SDK.
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PREVIOUS = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

const parts = (overrides: Record<string, string> = {}, body = BODY) => ({
  headers: { "svix-id": ID, "svix-timestamp": String(TIMESTAMP), "svix-signature": SIGNATURE, ...overrides },
  body,
});

describe("svix verifier", () => {
  it("accepts the reference vector, which the Svix SDK reproduces", async () => {
    expect(new Webhook(SECRET).sign(ID, new Date(TIMESTAMP * 1000), BODY)).toBe(SIGNATURE);
    expect(await verifyWith(svix, parts(), [SECRET], TIMESTAMP)).toEqual({ ok: true, value: true });
  });

  it("accepts any of several signatures made by the Svix SDK", async () => {
    const signature = new Webhook(PREVIOUS).sign(ID, new Date(TIMESTAMP * 1000), BODY);
    const header = `${signature} ${SIGNATURE}`;
    expect((await verifyWith(svix, parts({ "svix-signature": header }), [SECRET], TIMESTAMP)).ok).toBe(true);
  });

  it("rejects a changed body and another secret", async () => {
    expect(await verifyWith(svix, parts({}, '{"test": 2432232315}'), [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(svix, parts(), [PREVIOUS], TIMESTAMP)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps", async () => {
    expect(await verifyWith(svix, parts(), [SECRET], TIMESTAMP + 301)).toMatchObject({
      error: { reason: "stale", ts: TIMESTAMP, now: TIMESTAMP + 301 },
    });
    expect(await verifyWith(svix, parts(), [SECRET], TIMESTAMP - 301)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("reports a missing timestamp and a signature that is not base64", async () => {
    const { "svix-timestamp": _, ...noTimestamp } = parts().headers;
    expect(await verifyWith(svix, { headers: noTimestamp, body: BODY }, [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "missing_header", header: "svix-timestamp" },
    });
    expect(await verifyWith(svix, parts({ "svix-signature": "v1,%%%" }), [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "malformed_header", header: "svix-signature" },
    });
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(svix, parts(), [PREVIOUS, SECRET], TIMESTAMP)).ok).toBe(true);
  });

  it("refuses secrets that are not base64", () => {
    expect(svix.decodeSecret("whsec_not base64!")).toBeNull();
  });

  it("identifies by svix-id and the sender's type or event_type", () => {
    const body = JSON.stringify({ event_type: "invoice.paid" });
    expect(identifyWith(svix, { headers: { "svix-id": ID }, body })).toMatchObject({
      ok: true,
      value: { id: ID, type: "invoice.paid" },
    });
    expect(identifyWith(svix, { headers: { "webhook-id": ID }, body })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
  });
});
