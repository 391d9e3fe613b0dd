import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { twitch } from "../../src/providers/twitch";
import { bytesToBase64, hexToBytes } from "../../src/verify/encoding";
import { handshakeWith, identifyWith, verifyWith } from "../support/verify-with";

// Twitch publishes the algorithm but no fixed vector and no official JS SDK:
// https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message
// `sign` below is the docs' Node sample verbatim in substance:
//   "sha256=" + crypto.createHmac("sha256", secret).update(messageId + timestamp + rawBody).digest("hex")
// The body and headers follow the docs' `channel.follow` notification example.
const SECRET = "s3cre7 shared at subscription time";
const MESSAGE_ID = "e76c6bd4-55c9-4987-8304-da1588d8988b";
const TIMESTAMP = "2023-07-19T14:56:51.634234626Z"; // RFC 3339 with nanoseconds, as Twitch sends
const NOW = Date.parse("2023-07-19T14:56:51Z") / 1000;
const subscription = {
  id: "f1c2a387-161a-49f9-a165-0f21d7a4e1c4",
  type: "channel.follow",
  version: "2",
  status: "enabled",
  cost: 0,
  condition: { broadcaster_user_id: "1337", moderator_user_id: "1337" },
  transport: { method: "webhook", callback: "https://example.com/webhooks/callback" },
  created_at: "2019-11-16T10:11:12.634234626Z",
};
const BODY = JSON.stringify({
  subscription,
  event: { user_id: "1234", user_login: "cool_user", broadcaster_user_id: "1337", followed_at: TIMESTAMP },
});

const sign = (body: string, { id = MESSAGE_ID, timestamp = TIMESTAMP, secret = SECRET } = {}) =>
  `sha256=${createHmac("sha256", secret)
    .update(id + timestamp + body)
    .digest("hex")}`;

const parts = (overrides: Record<string, string> = {}, body = BODY) => ({
  headers: {
    "twitch-eventsub-message-id": MESSAGE_ID,
    "twitch-eventsub-message-retry": "0",
    "twitch-eventsub-message-type": "notification",
    "twitch-eventsub-message-signature": sign(BODY),
    "twitch-eventsub-message-timestamp": TIMESTAMP,
    "twitch-eventsub-subscription-type": "channel.follow",
    "twitch-eventsub-subscription-version": "2",
    ...overrides,
  },
  body,
});

describe("twitch verifier", () => {
  it("accepts a notification signed with the documented recipe", async () => {
    expect(await verifyWith(twitch, parts(), [SECRET], NOW)).toEqual({ ok: true, value: true });
  });

  it("reads timestamps with a numeric offset as the same instant", async () => {
    const timestamp = "2023-07-19T16:56:51.5+02:00";
    const request = parts({
      "twitch-eventsub-message-timestamp": timestamp,
      "twitch-eventsub-message-signature": sign(BODY, { timestamp }),
    });
    expect((await verifyWith(twitch, request, [SECRET], NOW + 600)).ok).toBe(true);
    expect(await verifyWith(twitch, request, [SECRET], NOW + 601)).toMatchObject({
      error: { reason: "stale" },
    });
  });

  it("rejects a changed body and a changed message id", async () => {
    expect(
      await verifyWith(twitch, parts({}, BODY.replace("cool_user", "evil_user")), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
    expect(
      await verifyWith(twitch, parts({ "twitch-eventsub-message-id": "other" }), [SECRET], NOW),
    ).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects a signature made with another secret", async () => {
    expect(await verifyWith(twitch, parts(), ["another secret"], NOW)).toMatchObject({
      error: { reason: "bad_signature" },
    });
  });

  it("rejects stale and future timestamps (600 s, as Twitch advises)", async () => {
    expect((await verifyWith(twitch, parts(), [SECRET], NOW + 600)).ok).toBe(true);
    expect(await verifyWith(twitch, parts(), [SECRET], NOW + 601)).toMatchObject({
      error: { reason: "stale" },
    });
    expect(await verifyWith(twitch, parts(), [SECRET], NOW - 601)).toMatchObject({
      error: { reason: "future" },
    });
  });

  it("rejects each missing header", async () => {
    for (const header of [
      "twitch-eventsub-message-signature",
      "twitch-eventsub-message-id",
      "twitch-eventsub-message-timestamp",
    ]) {
      const rest = Object.fromEntries(Object.entries(parts().headers).filter(([name]) => name !== header));
      expect(await verifyWith(twitch, { headers: rest, body: BODY }, [SECRET], NOW)).toMatchObject({
        error: { reason: "missing_header", header },
      });
    }
  });

  it("rejects base64 or unprefixed signatures and Unix-seconds timestamps as malformed", async () => {
    const hex = sign(BODY).slice(7);
    const base64 = `sha256=${bytesToBase64(hexToBytes(hex)!)}`;
    for (const signature of [hex, base64, "sha1=abcd"]) {
      expect(
        await verifyWith(twitch, parts({ "twitch-eventsub-message-signature": signature }), [SECRET], NOW),
      ).toMatchObject({ error: { reason: "malformed_header", header: "twitch-eventsub-message-signature" } });
    }
    for (const timestamp of [String(NOW), "2023-07-19 14:56:51Z", "2023-13-45T25:61:61Z"]) {
      expect(
        await verifyWith(twitch, parts({ "twitch-eventsub-message-timestamp": timestamp }), [SECRET], NOW),
      ).toMatchObject({ error: { reason: "malformed_header", header: "twitch-eventsub-message-timestamp" } });
    }
  });

  it("accepts the previous secret during a rotation", async () => {
    expect((await verifyWith(twitch, parts(), ["the new secret", SECRET], NOW)).ok).toBe(true);
  });
});

describe("twitch messages", () => {
  it("identifies a notification by message id and subscription type", () => {
    expect(identifyWith(twitch, parts())).toMatchObject({
      ok: true,
      value: { id: MESSAGE_ID, type: "channel.follow", payload: { event: { user_login: "cool_user" } } },
    });
  });

  it("types a revocation revocation.<subscription type> from the signed body alone", () => {
    const notification = JSON.stringify({ subscription, event: { user_id: "1" } });
    expect(
      identifyWith(twitch, parts({ "twitch-eventsub-message-type": "revocation" }, notification)),
    ).toMatchObject({ value: { type: "channel.follow" } });
    const noType = JSON.stringify({ subscription: { id: "s" }, event: {} });
    expect(
      identifyWith(twitch, parts({ "twitch-eventsub-subscription-type": "forged" }, noType)),
    ).toMatchObject({ value: { type: "unknown" } });
  });

  it("accepts a revocation as an event typed revocation.<subscription type>", () => {
    const body = JSON.stringify({ subscription: { ...subscription, status: "authorization_revoked" } });
    expect(identifyWith(twitch, parts({ "twitch-eventsub-message-type": "revocation" }, body))).toMatchObject(
      {
        ok: true,
        value: { id: MESSAGE_ID, type: "revocation.channel.follow" },
      },
    );
    expect(handshakeWith(twitch, parts({ "twitch-eventsub-message-type": "revocation" }, body))).toBeNull();
  });

  it("requires the message id header and a JSON body", () => {
    const { "twitch-eventsub-message-id": _, ...noId } = parts().headers;
    expect(identifyWith(twitch, { headers: noId, body: BODY })).toMatchObject({
      ok: false,
      error: { reason: "missing_event_id" },
    });
    expect(identifyWith(twitch, parts({}, "not json"))).toMatchObject({
      ok: false,
      error: { reason: "invalid_body" },
    });
  });

  it("answers a verified webhook_callback_verification with the raw challenge as text", async () => {
    const body = JSON.stringify({
      challenge: "pogchamp-kappa-360noscope-vohiyo",
      subscription: { ...subscription, status: "webhook_callback_verification_pending" },
    });
    const request = parts(
      {
        "twitch-eventsub-message-type": "webhook_callback_verification",
        "twitch-eventsub-message-signature": sign(body),
      },
      body,
    );
    expect((await verifyWith(twitch, request, [SECRET], NOW)).ok).toBe(true);
    expect(handshakeWith(twitch, request)).toEqual({
      status: 200,
      contentType: "text/plain",
      body: "pogchamp-kappa-360noscope-vohiyo",
    });
    expect(handshakeWith(twitch, parts())).toBeNull();
  });

  it("answers a signed challenge body as the handshake whatever the unsigned message-type header says", () => {
    // A captured verification replayed as a "notification" must not become a `channel.follow` event.
    const body = JSON.stringify({
      challenge: "pogchamp-kappa-360noscope-vohiyo",
      subscription: { ...subscription, status: "webhook_callback_verification_pending" },
    });
    for (const type of ["notification", "revocation"]) {
      const request = parts(
        { "twitch-eventsub-message-type": type, "twitch-eventsub-message-signature": sign(body) },
        body,
      );
      expect(handshakeWith(twitch, request)).toMatchObject({
        status: 200,
        body: "pogchamp-kappa-360noscope-vohiyo",
      });
    }
    const { "twitch-eventsub-message-type": _, ...untyped } = parts({}, body).headers;
    expect(handshakeWith(twitch, { headers: untyped, body })).toMatchObject({ status: 200 });
    // A notification sent as a verification is still the notification, not an empty answer.
    expect(
      handshakeWith(twitch, parts({ "twitch-eventsub-message-type": "webhook_callback_verification" })),
    ).toBeNull();
  });
});
