import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { lemonsqueezy } from "../../src/providers/lemonsqueezy";
import { identifyWith, verifyWith } from "../support/verify-with";

// Lemon Squeezy publishes no SDK verifier and no fixed vector; signatures follow the documented algorithm,
// hex HMAC-SHA256 of the raw body keyed with the signing secret
// (https://docs.lemonsqueezy.com/help/webhooks/signing-requests), computed with node:crypto.
const SECRET = "lemon-signing-secret";
const PREVIOUS = "older-lemon-secret";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({
  meta: { event_name: "order_created", custom_data: { user_id: "u_1" } },
  data: { type: "orders", id: "1", attributes: { store_id: 1, status: "paid", total: 1199 } },
});

const sign = (body: string, secret = SECRET) => createHmac("sha256", secret).update(body).digest("hex");
const signed = (body = BODY, secret = SECRET) => ({
  headers: { "x-signature": sign(body, secret), "x-event-name": "order_created" },
  body,
});

describe("lemonsqueezy verifier", () => {
  it("accepts a body signed with the documented algorithm, in either hex case", async () => {
    expect(await verifyWith(lemonsqueezy, signed(), [SECRET], NOW)).toEqual({ ok: true, value: true });
    const upper = { ...signed(), headers: { "x-signature": sign(BODY).toUpperCase() } };
    expect((await verifyWith(lemonsqueezy, upper, [SECRET], NOW)).ok).toBe(true);
  });

  it("rejects a changed body", async () => {
    const parts = { ...signed(), body: BODY.replace("1199", "1") };
    expect(await verifyWith(lemonsqueezy, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a body signed with another secret", async () => {
    expect(await verifyWith(lemonsqueezy, signed(BODY, PREVIOUS), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("reports a missing signature and one that is not 32 bytes of hex", async () => {
    expect(await verifyWith(lemonsqueezy, { headers: {}, body: BODY }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "x-signature" },
    });
    const base64 = createHmac("sha256", SECRET).update(BODY).digest("base64");
    for (const signature of [base64, `sha256=${sign(BODY)}`, sign(BODY).slice(2), ""]) {
      expect(
        await verifyWith(lemonsqueezy, { headers: { "x-signature": signature }, body: BODY }, [SECRET], NOW),
      ).toMatchObject({ error: { reason: "malformed_header", header: "x-signature" } });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(lemonsqueezy, signed(BODY, PREVIOUS), [SECRET, PREVIOUS], NOW)).ok).toBe(true);
  });

  it("types events by meta.event_name and leaves the id to the body digest", () => {
    const identity = identifyWith(lemonsqueezy, signed());
    expect(identity).toMatchObject({ ok: true, value: { type: "order_created" } });
    expect(identity.ok && identity.value.id).toBeUndefined();
  });

  it("never takes the type from the unsigned X-Event-Name header, and requires JSON", () => {
    expect(
      identifyWith(lemonsqueezy, { headers: { "x-event-name": "license_key_created" }, body: "{}" }),
    ).toMatchObject({
      value: { type: "unknown" },
    });
    expect(identifyWith(lemonsqueezy, { headers: {}, body: "not json" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
