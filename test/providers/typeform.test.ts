import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { typeform } from "../../src/providers/typeform";
import { identifyWith, verifyWith } from "../support/verify-with";

// Typeform publishes the algorithm but no vector and no verification helper in its JS SDK:
// https://www.typeform.com/developers/webhooks/secure-your-webhooks/
// `sign` is that recipe: "sha256=" + base64 HMAC-SHA256(webhook secret, raw body), via node:crypto.
// The body follows the docs' `form_response` example. Nothing is timed, so there are no freshness tests.
const SECRET = "typeform-webhook-secret-a1b2c3";
const NOW = 1_700_000_000;
const BODY = JSON.stringify({
  event_id: "01GRC4Q5KT1FHVVMM2D6Z9B8SG",
  event_type: "form_response",
  form_response: {
    form_id: "lT4Z3j",
    token: "a3a12ec67a1365927098a606107fac15",
    submitted_at: "2018-01-18T18:17:02Z",
    answers: [
      { type: "text", text: "It's cold right now!", field: { id: "DlXFaesGBpoF", type: "long_text" } },
    ],
  },
});
const sign = (body: string, secret = SECRET, encoding: "base64" | "hex" = "base64") =>
  `sha256=${createHmac("sha256", secret).update(body).digest(encoding)}`;
const parts = (signature: string | null = sign(BODY), body = BODY) => ({
  headers: signature === null ? ({} as Record<string, string>) : { "typeform-signature": signature },
  body,
});

describe("typeform verifier", () => {
  it("accepts a response signed with the documented recipe", async () => {
    expect(await verifyWith(typeform, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and another secret", async () => {
    expect(
      await verifyWith(typeform, parts(sign(BODY), BODY.replace("cold", "warm")), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(typeform, parts(sign(BODY, "another-secret")), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header", async () => {
    expect(await verifyWith(typeform, parts(null), [SECRET], NOW)).toMatchObject({
      error: { reason: "missing_header", header: "typeform-signature" },
    });
  });

  it("rejects a hex or unprefixed signature as malformed", async () => {
    const unprefixed = sign(BODY).slice("sha256=".length);
    for (const signature of [sign(BODY, SECRET, "hex"), unprefixed, "sha256=", "sha1=abc="]) {
      expect(await verifyWith(typeform, parts(signature), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "typeform-signature" },
      });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(typeform, parts(), ["the-new-secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("typeform events", () => {
  it("identifies by event_id and types by event_type", () => {
    expect(identifyWith(typeform, parts())).toEqual({
      ok: true,
      value: { id: "01GRC4Q5KT1FHVVMM2D6Z9B8SG", type: "form_response", payload: JSON.parse(BODY) },
    });
  });

  it("refuses an event without event_id, and a body that is not JSON", () => {
    expect(identifyWith(typeform, { headers: {}, body: '{"event_type":"form_response"}' })).toMatchObject({
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(typeform, { headers: {}, body: "" })).toMatchObject({
      error: { reason: "invalid_body" },
    });
  });
});
