import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { stripe } from "../../src/providers/stripe";
import { identifyWith, verifyWith } from "../support/verify-with";

// Signatures are produced by Stripe's official SDK: stripe.webhooks.generateTestHeaderStringAsync
// (https://docs.stripe.com/webhooks#test-webhook-signing).
const sdk = new Stripe("sk_test_unused");
const SECRET = "whsec_test secret, with spaces";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({ id: "evt_1", type: "invoice.paid", object: "event" });

async function signed(body = BODY, { secret = SECRET, timestamp = NOW } = {}) {
  const header = await sdk.webhooks.generateTestHeaderStringAsync({ payload: body, secret, timestamp });
  return { headers: { "stripe-signature": header }, body };
}

describe("stripe verifier", () => {
  it("accepts a header made by the Stripe SDK", async () => {
    expect((await verifyWith(stripe, await signed(), [SECRET], NOW)).ok).toBe(true);
  });

  it("accepts any of several v1 signatures (Stripe's own secret roll)", async () => {
    const other = await sdk.webhooks.generateTestHeaderStringAsync({
      payload: BODY,
      secret: "whsec_other",
      timestamp: NOW,
    });
    const v1 = other.split(",").find((part) => part.startsWith("v1="));
    const parts = await signed();
    parts.headers["stripe-signature"] = `${parts.headers["stripe-signature"]},${v1}`;
    expect((await verifyWith(stripe, parts, ["whsec_other"], NOW)).ok).toBe(true);
  });

  it("rejects a changed body", async () => {
    const parts = { ...(await signed()), body: BODY.replace("evt_1", "evt_2") };
    expect(await verifyWith(stripe, parts, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects another secret", async () => {
    expect((await verifyWith(stripe, await signed(BODY, { secret: "whsec_wrong" }), [SECRET], NOW)).ok).toBe(
      false,
    );
  });

  it("rejects a timestamp older than 300 seconds, and one from the future", async () => {
    expect(
      await verifyWith(stripe, await signed(BODY, { timestamp: NOW - 301 }), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "stale" },
    });
    expect(
      await verifyWith(stripe, await signed(BODY, { timestamp: NOW + 301 }), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "future" },
    });
    expect((await verifyWith(stripe, await signed(BODY, { timestamp: NOW - 299 }), [SECRET], NOW)).ok).toBe(
      true,
    );
  });

  it("rejects a missing header and headers without t or v1", async () => {
    expect(await verifyWith(stripe, { headers: {}, body: BODY }, [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header" },
    });
    for (const header of ["v1=abc", `t=${NOW}`, `t=${NOW},v0=00`, `t=soon,v1=${"0".repeat(64)}`]) {
      expect(
        await verifyWith(stripe, { headers: { "stripe-signature": header }, body: BODY }, [SECRET], NOW),
      ).toMatchObject({
        error: { reason: "malformed_header" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(stripe, await signed(), ["whsec_new", SECRET], NOW)).ok).toBe(true);
  });

  it("identifies events by body id and type, and refuses bodies without them", () => {
    expect(identifyWith(stripe, { headers: {}, body: BODY })).toMatchObject({
      ok: true,
      value: { id: "evt_1", type: "invoice.paid" },
    });
    expect(identifyWith(stripe, { headers: {}, body: JSON.stringify({ type: "x" }) })).toMatchObject({
      ok: false,
      error: { reason: "invalid_body" },
    });
    expect(identifyWith(stripe, { headers: {}, body: "not json" })).toMatchObject({ ok: false });
  });
});
