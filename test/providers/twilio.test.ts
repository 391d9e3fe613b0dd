import {
  getExpectedTwilioSignature,
  validateRequest,
  validateRequestWithBody,
} from "twilio/lib/webhooks/webhooks";
import { describe, expect, it } from "vitest";
import { twilio } from "../../src/providers/twilio";
import { base64ToBytes, bytesToHex } from "../../src/verify/encoding";
import { identifyWith, verifyWith } from "../support/verify-with";

// Official vectors: Twilio's request-validation docs example (auth token 12345) as used in the SDK test
// suites, e.g. twilio-php tests/Twilio/Unit/Security/RequestValidatorTest.php
// (https://github.com/twilio/twilio-php). Each is also checked with the installed twilio-node SDK:
// `validateRequest(token, signature, url, params)` / `validateRequestWithBody(token, signature, url, body)`.
// Twilio signs no timestamp, so there are no freshness tests: replays are stopped by deduplication.
const TOKEN = "12345";
const SIGNED_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const PARAMS = {
  CallSid: "CA1234567890ABCDE",
  Caller: "+14158675309",
  Digits: "1234",
  From: "+14158675309",
  To: "+18005551212",
};
const SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
const SIGNATURE_WITH_PORT_443 = "kvajT1Ptam85bY51eRf/AJRuM3w=";
const SIGNATURE_HTTP_WITH_PORT_80 = "0ZXoZLH/DfblKGATFgpif+LLRf4=";
const REPEATED_BODY = "Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234";
const REPEATED_SIGNATURE = "IK+Dwps556ElfBT0I3Rgjkr1wJU=";
const JSON_BODY = '{"property": "value", "boolean": true}';
const JSON_URL = `${SIGNED_URL}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;
const JSON_SIGNATURE = "a9nBmqA0ju/hNViExpshrM61xv4=";

/** The params in another order than the signature sorts them, form-encoded as Twilio posts them. */
const FORM_BODY = new URLSearchParams(Object.entries(PARAMS).reverse()).toString();
const FORM = "application/x-www-form-urlencoded";

const form = (signature = SIGNATURE, url = SIGNED_URL, body = FORM_BODY) => ({
  url,
  headers: { "content-type": FORM, "x-twilio-signature": signature },
  body,
});
const json = (signature = JSON_SIGNATURE, url = JSON_URL, body = JSON_BODY) => ({
  url,
  headers: { "content-type": "application/json", "x-twilio-signature": signature },
  body,
});
const NOW = 1_700_000_000;

describe("twilio verifier", () => {
  it("accepts Twilio's documented form-encoded example", async () => {
    expect(validateRequest(TOKEN, SIGNATURE, SIGNED_URL, PARAMS)).toBe(true);
    expect(await verifyWith(twilio, form(), [TOKEN], NOW)).toEqual({ ok: true, value: true });
  });

  it("signs repeated params once per distinct value, sorted", async () => {
    expect(
      validateRequest(TOKEN, REPEATED_SIGNATURE, SIGNED_URL, {
        Sid: "CA123",
        SidAccount: "AC123",
        Digits: ["5678", "1234", "1234"],
      }),
    ).toBe(true);
    expect(
      (await verifyWith(twilio, form(REPEATED_SIGNATURE, SIGNED_URL, REPEATED_BODY), [TOKEN], NOW)).ok,
    ).toBe(true);
  });

  it("accepts a JSON body covered by the SIGNED_URL's bodySHA256", async () => {
    expect(validateRequestWithBody(TOKEN, JSON_SIGNATURE, JSON_URL, JSON_BODY)).toBe(true);
    expect((await verifyWith(twilio, json(), [TOKEN], NOW)).ok).toBe(true);
  });

  it("tries the SIGNED_URL with and without its default port, like twilio-node", async () => {
    expect(validateRequest(TOKEN, SIGNATURE_WITH_PORT_443, SIGNED_URL, PARAMS)).toBe(true);
    expect((await verifyWith(twilio, form(SIGNATURE_WITH_PORT_443), [TOKEN], NOW)).ok).toBe(true);
    const httpUrl = SIGNED_URL.replace("https", "http");
    expect((await verifyWith(twilio, form(SIGNATURE_HTTP_WITH_PORT_80, httpUrl), [TOKEN], NOW)).ok).toBe(
      true,
    );
    const withPort = SIGNED_URL.replace(".com", ".com:1234");
    expect(validateRequest(TOKEN, SIGNATURE, withPort, PARAMS)).toBe(true);
    expect((await verifyWith(twilio, form(SIGNATURE, withPort), [TOKEN], NOW)).ok).toBe(true);
  });

  it("rejects a changed param, an extra param and a changed SIGNED_URL", async () => {
    const changed = FORM_BODY.replace("Digits=1234", "Digits=9999");
    for (const request of [
      form(SIGNATURE, SIGNED_URL, changed),
      form(SIGNATURE, SIGNED_URL, `${FORM_BODY}&x=1`),
      form(SIGNATURE, `${SIGNED_URL}&x=1`),
    ]) {
      expect(await verifyWith(twilio, request, [TOKEN], NOW)).toMatchObject({
        error: { reason: "bad_signature" },
      });
    }
  });

  it("rejects a JSON body that does not match bodySHA256, and a form body signed as if it had none", async () => {
    expect(
      validateRequestWithBody(TOKEN, JSON_SIGNATURE, JSON_URL, JSON_BODY.replace("value", "other")),
    ).toBe(false);
    expect(
      await verifyWith(
        twilio,
        json(JSON_SIGNATURE, JSON_URL, JSON_BODY.replace("value", "other")),
        [TOKEN],
        NOW,
      ),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(twilio, json(SIGNATURE, SIGNED_URL), [TOKEN], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a body that is neither a signed form nor covered by bodySHA256, as twilio-node does", async () => {
    // A signature over the bare URL (or a captured one whose params are moved into the query) must not
    // vouch for a JSON body that nothing covers.
    const bareUrl = "https://mycompany.com/myapp.php";
    const urlOnly = getExpectedTwilioSignature(TOKEN, bareUrl, {});
    expect(validateRequestWithBody(TOKEN, urlOnly, bareUrl, JSON_BODY)).toBe(false);
    expect(await verifyWith(twilio, json(urlOnly, bareUrl), [TOKEN], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const paramsInQuery = `${SIGNED_URL}${Object.entries(PARAMS)
      .map(([name, value]) => name + value)
      .join("")}`;
    expect(validateRequestWithBody(TOKEN, SIGNATURE, paramsInQuery, JSON_BODY)).toBe(false);
    expect(await verifyWith(twilio, json(SIGNATURE, paramsInQuery), [TOKEN], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    // An empty body is what the bare URL's signature covers: Twilio's SDK accepts it, and so does Hookgate.
    expect(validateRequest(TOKEN, urlOnly, bareUrl, {})).toBe(true);
    expect((await verifyWith(twilio, json(urlOnly, bareUrl, ""), [TOKEN], NOW)).ok).toBe(true);
  });

  it("rejects a signature made with another auth token", async () => {
    expect(await verifyWith(twilio, form(), ["54321"], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a missing header and signatures that are not 20 bytes of base64", async () => {
    expect(
      await verifyWith(
        twilio,
        { url: SIGNED_URL, headers: { "content-type": FORM }, body: FORM_BODY },
        [TOKEN],
        NOW,
      ),
    ).toMatchObject({
      error: { reason: "missing_header", header: "x-twilio-signature" },
    });
    const hex = bytesToHex(base64ToBytes(SIGNATURE)!);
    for (const signature of ["FAIL", hex, "RSOYDt4T1cUTdK1PDd93/VVr8B8", ""]) {
      expect(await verifyWith(twilio, form(signature), [TOKEN], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-twilio-signature" },
      });
    }
  });

  it("accepts the previous auth token during a rotation", async () => {
    expect((await verifyWith(twilio, form(), ["the-new-primary-token", TOKEN], NOW)).ok).toBe(true);
  });
});

describe("twilio events", () => {
  const request = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
    headers: { "content-type": FORM, ...headers },
    body: new URLSearchParams(fields).toString(),
  });

  it("prefers the I-Twilio-Idempotency-Token header as the id", () => {
    const fields = { MessageSid: "SM1", MessageStatus: "delivered" };
    expect(identifyWith(twilio, request(fields, { "i-twilio-idempotency-token": "idem-1" }))).toMatchObject({
      ok: true,
      value: { id: "idem-1", type: "message.delivered", payload: fields },
    });
  });

  it("identifies message status callbacks by sid and status, so each status is its own event", () => {
    expect(
      identifyWith(twilio, request({ MessageSid: "SM1", SmsSid: "SM1", MessageStatus: "sent" })),
    ).toMatchObject({
      value: { id: "SM1.sent", type: "message.sent" },
    });
    expect(
      identifyWith(twilio, request({ MessageSid: "SM2", SmsStatus: "received", Body: "hi" })),
    ).toMatchObject({
      value: { id: "SM2.received", type: "message.received" },
    });
  });

  it("types calls by CallStatus and leaves their id to the body digest", () => {
    const identity = identifyWith(twilio, request({ CallSid: "CA1", CallStatus: "completed" }));
    expect(identity).toMatchObject({ ok: true, value: { type: "call.completed" } });
    expect(identity.ok && identity.value.id).toBeUndefined();
  });

  it("uses EventType when Twilio sends one, and JSON bodies as they are", () => {
    expect(identifyWith(twilio, request({ EventType: "onMessageAdded", MessageSid: "IM1" }))).toMatchObject({
      value: { type: "onMessageAdded" },
    });
    expect(identifyWith(twilio, json())).toMatchObject({
      ok: true,
      value: { type: "unknown", payload: { property: "value" } },
    });
    expect(identifyWith(twilio, json(JSON_SIGNATURE, JSON_URL, "not json"))).toMatchObject({ ok: false });
  });
});
