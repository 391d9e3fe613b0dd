import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { zendesk } from "../../src/providers/zendesk";
import { identifyWith, verifyWith } from "../support/verify-with";

// Zendesk publishes the algorithm but no vector and no JS verification helper:
// https://developer.zendesk.com/documentation/webhooks/verifying/
// `sign` is that page's Node sample: base64 HMAC-SHA256(signing secret, timestamp + body), via
// node:crypto. The body follows https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/.
// The secret is the static one that page says Zendesk signs test requests with (used as UTF-8 text).
const SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==";
const NOW = Date.parse("2023-11-14T22:13:20Z") / 1000;
const TIMESTAMP = "2023-11-14T22:13:20Z";
const INVOCATION = "01HF8PXNK2M4FY4ZEBT8F3GC3P";
const BODY = JSON.stringify({
  account_id: 22129848,
  detail: { id: "5158", subject: "Help, my printer is on fire!", status: "NEW" },
  event: {},
  id: "cbe4028c-7239-495d-b020-f22348516046",
  subject: "zen:ticket:5158",
  time: "2023-11-14T22:13:19.983Z",
  type: "zen:event-type:ticket.created",
  zendesk_event_version: "2022-11-06",
});
const sign = (timestamp: string, body: string, secret = SECRET, encoding: "base64" | "hex" = "base64") =>
  createHmac("sha256", secret)
    .update(timestamp + body)
    .digest(encoding);
const parts = ({
  timestamp = TIMESTAMP,
  body = BODY,
  secret = SECRET,
  signature = sign(timestamp, body, secret),
} = {}) => ({
  headers: {
    "content-type": "application/json",
    "x-zendesk-webhook-id": "01GFXH8G6NAXN3T2CRYDMV5BPK",
    "x-zendesk-webhook-invocation-id": INVOCATION,
    "x-zendesk-webhook-signature": signature,
    "x-zendesk-webhook-signature-timestamp": timestamp,
  },
  body,
});

describe("zendesk verifier", () => {
  it("accepts an event signed with the documented recipe", async () => {
    expect(await verifyWith(zendesk, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("signs the timestamp as sent, including fractions and offsets", async () => {
    for (const timestamp of ["2023-11-14T22:13:20.123Z", "2023-11-14T23:13:20+01:00"]) {
      expect((await verifyWith(zendesk, parts({ timestamp }), [SECRET], NOW)).ok).toBe(true);
    }
  });

  it("accepts a request without a body, as Zendesk sends for GET and DELETE", async () => {
    expect((await verifyWith(zendesk, { ...parts({ body: "" }), method: "GET" }, [SECRET], NOW)).ok).toBe(
      true,
    );
  });

  it("rejects a changed body, a changed timestamp and another signing secret", async () => {
    const changed = { ...parts(), body: BODY.replace("on fire", "fine") };
    expect(await verifyWith(zendesk, changed, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    const moved = parts({ signature: sign(TIMESTAMP, BODY), timestamp: "2023-11-14T22:13:21Z" });
    expect(await verifyWith(zendesk, moved, [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(await verifyWith(zendesk, parts({ secret: "another-secret" }), [SECRET], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects timestamps more than 300 s old or ahead", async () => {
    const at = (seconds: number) =>
      verifyWith(zendesk, parts({ timestamp: new Date(seconds * 1000).toISOString() }), [SECRET], NOW);
    expect((await at(NOW - 299)).ok).toBe(true);
    expect(await at(NOW - 301)).toMatchObject({ error: { reason: "stale", ts: NOW - 301, now: NOW } });
    expect(await at(NOW + 301)).toMatchObject({ error: { reason: "future", ts: NOW + 301, now: NOW } });
  });

  it("rejects a missing signature or timestamp header", async () => {
    for (const header of ["x-zendesk-webhook-signature", "x-zendesk-webhook-signature-timestamp"]) {
      const request = parts();
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== header));
      expect(await verifyWith(zendesk, { ...request, headers }, [SECRET], NOW)).toMatchObject({
        error: { reason: "missing_header", header },
      });
    }
  });

  it("rejects a hex signature and a timestamp that is not ISO 8601 with a zone", async () => {
    expect(
      await verifyWith(zendesk, parts({ signature: sign(TIMESTAMP, BODY, SECRET, "hex") }), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "malformed_header", header: "x-zendesk-webhook-signature" },
    });
    for (const timestamp of [
      String(NOW),
      "2023-11-14 22:13:20",
      "2023-11-14T22:13:20",
      "2023-13-45T99:13:20Z",
    ]) {
      expect(await verifyWith(zendesk, parts({ timestamp }), [SECRET], NOW)).toMatchObject({
        error: { reason: "malformed_header", header: "x-zendesk-webhook-signature-timestamp" },
      });
    }
  });

  it("accepts the previous signing secret during a rotation", async () => {
    expect((await verifyWith(zendesk, parts(), ["the-new-signing-secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("zendesk events", () => {
  it("identifies by X-Zendesk-Webhook-Invocation-Id and types by the body type", () => {
    expect(identifyWith(zendesk, parts())).toEqual({
      ok: true,
      value: { id: INVOCATION, type: "zen:event-type:ticket.created", payload: JSON.parse(BODY) },
    });
  });

  it("falls back to the body id, then to the digest for trigger webhooks with a custom body", () => {
    expect(identifyWith(zendesk, { headers: {}, body: BODY })).toMatchObject({
      value: { id: "cbe4028c-7239-495d-b020-f22348516046" },
    });
    const custom = identifyWith(zendesk, { headers: {}, body: '{"ticket":"5158"}' });
    expect(custom).toMatchObject({ ok: true, value: { type: "unknown", payload: { ticket: "5158" } } });
    expect(custom.ok && custom.value.id).toBeUndefined();
  });
});
