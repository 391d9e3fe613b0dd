import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { zoom } from "../../src/providers/zoom";
import { bytesToBase64, hexToBytes } from "../../src/verify/encoding";
import { handshakeWith, identifyWith, verifyWith } from "../support/verify-with";

// Zoom documents the recipe but publishes no fixed vector, and no official Zoom SDK is installed:
// https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
//   message = `v0:${x-zm-request-timestamp}:${rawBody}`
//   x-zm-signature = "v0=" + createHmac("sha256", secretToken).update(message).digest("hex")
//   encryptedToken = createHmac("sha256", secretToken).update(plainToken).digest("hex")
// The bodies below are Zoom's documented `meeting.started` and `endpoint.url_validation` examples.
const SECRET = "zoom-secret-token-current";
const PREVIOUS = "zoom-secret-token-previous";
const TIMESTAMP = 1626230691;
const BODY = JSON.stringify({
  event: "meeting.started",
  payload: {
    account_id: "AAAAAABBBB",
    object: {
      id: "1234567890",
      uuid: "4444AAAiAAAAAiAAAAA==",
      host_id: "x1yCzABCDEfg23HiJKl4mN",
      topic: "My Meeting",
    },
  },
  event_ts: 1626230691572,
});
const VALIDATION = JSON.stringify({
  payload: { plainToken: "qgg8vlvZRS6UYooatFL8Aw" },
  event_ts: 1654503849680,
  event: "endpoint.url_validation",
});

const hmacHex = (secret: string, data: string) => createHmac("sha256", secret).update(data).digest("hex");
const sign = (body: string, ts = TIMESTAMP, secret = SECRET) => `v0=${hmacHex(secret, `v0:${ts}:${body}`)}`;
const parts = (body = BODY, signature = sign(body), timestamp = String(TIMESTAMP)) => ({
  headers: {
    "x-zm-signature": signature,
    "x-zm-request-timestamp": timestamp,
    "content-type": "application/json",
  },
  body,
});

describe("zoom verifier", () => {
  it("accepts an event signed with the documented recipe", async () => {
    expect(await verifyWith(zoom, parts(), [SECRET], TIMESTAMP + 5)).toEqual({ ok: true, value: true });
  });

  it("rejects a changed body and a changed timestamp", async () => {
    const signature = sign(BODY);
    expect(
      await verifyWith(zoom, parts(BODY.replace("My Meeting", "Other"), signature), [SECRET], TIMESTAMP),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(
      await verifyWith(zoom, parts(BODY, signature, String(TIMESTAMP + 1)), [SECRET], TIMESTAMP),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a signature made with another secret", async () => {
    expect(await verifyWith(zoom, parts(), ["not the secret token"], TIMESTAMP)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps (300 s)", async () => {
    expect(await verifyWith(zoom, parts(), [SECRET], TIMESTAMP + 301)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(zoom, parts(), [SECRET], TIMESTAMP - 301)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("rejects missing signature and timestamp headers", async () => {
    expect(await verifyWith(zoom, { headers: {}, body: BODY }, [SECRET], TIMESTAMP)).toMatchObject({
      error: { reason: "missing_header", header: "x-zm-signature" },
    });
    expect(
      await verifyWith(zoom, { headers: { "x-zm-signature": sign(BODY) }, body: BODY }, [SECRET], TIMESTAMP),
    ).toMatchObject({
      error: { reason: "missing_header", header: "x-zm-request-timestamp" },
    });
  });

  it("rejects unprefixed or base64 signatures and ISO timestamps as malformed", async () => {
    const hex = sign(BODY).slice(3);
    for (const signature of [hex, `v0=${bytesToBase64(hexToBytes(hex)!)}`, `v1=${hex}`]) {
      expect(await verifyWith(zoom, parts(BODY, signature), [SECRET], TIMESTAMP)).toMatchObject({
        error: { reason: "malformed_header", header: "x-zm-signature" },
      });
    }
    expect(
      await verifyWith(zoom, parts(BODY, sign(BODY), "2021-07-14T02:44:51Z"), [SECRET], TIMESTAMP),
    ).toMatchObject({
      error: { reason: "malformed_header", header: "x-zm-request-timestamp" },
    });
  });

  it("accepts the previous secret token during a rotation", async () => {
    const signedWithPrevious = parts(BODY, sign(BODY, TIMESTAMP, PREVIOUS));
    expect((await verifyWith(zoom, signedWithPrevious, [SECRET, PREVIOUS], TIMESTAMP)).ok).toBe(true);
  });
});

describe("zoom events", () => {
  it("identifies events by their `event` name and leaves the id to the body digest", () => {
    const identity = identifyWith(zoom, parts());
    expect(identity).toMatchObject({
      ok: true,
      value: { type: "meeting.started", payload: { event_ts: 1626230691572 } },
    });
    expect(identity.ok && identity.value.id).toBeUndefined();
    expect(identifyWith(zoom, parts("not json"))).toMatchObject({
      ok: false,
      error: { reason: "invalid_body" },
    });
  });

  it("answers a verified endpoint.url_validation with the token's HMAC under the current secret", async () => {
    expect((await verifyWith(zoom, parts(VALIDATION), [SECRET], TIMESTAMP)).ok).toBe(true);
    expect(await handshakeWith(zoom, parts(VALIDATION), [SECRET, PREVIOUS])).toEqual({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        plainToken: "qgg8vlvZRS6UYooatFL8Aw",
        encryptedToken: hmacHex(SECRET, "qgg8vlvZRS6UYooatFL8Aw"),
      }),
    });
  });

  it("signs the validation reply with the current secret even when the request used the previous one", async () => {
    const request = parts(VALIDATION, sign(VALIDATION, TIMESTAMP, PREVIOUS));
    expect((await verifyWith(zoom, request, [SECRET, PREVIOUS], TIMESTAMP)).ok).toBe(true);
    const reply = await handshakeWith(zoom, request, [SECRET, PREVIOUS]);
    expect(JSON.parse(reply?.body ?? "{}")).toEqual({
      plainToken: "qgg8vlvZRS6UYooatFL8Aw",
      encryptedToken: hmacHex(SECRET, "qgg8vlvZRS6UYooatFL8Aw"),
    });
  });

  it("does not answer ordinary events", async () => {
    expect(await handshakeWith(zoom, parts(), [SECRET])).toBeNull();
  });
});
