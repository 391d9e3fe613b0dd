/**
 * Twitch EventSub: `Twitch-Eventsub-Message-Signature: sha256=<hex HMAC-SHA256(id + timestamp + body)>`
 * with `Twitch-Eventsub-Message-Id` and an RFC 3339 `Twitch-Eventsub-Message-Timestamp`, 600 s tolerance.
 * Answers the `webhook_callback_verification` challenge (a signed body with `challenge`); a `revocation` is
 * typed `revocation.<type>`. Id (signed) from the header; type and handshake from the signed body only.
 * Docs: https://dev.twitch.tv/docs/eventsub/handling-webhook-events/#verifying-the-event-message
 */

import { stringField } from "../normalize/read-body";
import { concatBytes, hexToBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { checkFreshness } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

const ID = "twitch-eventsub-message-id";
const TIMESTAMP = "twitch-eventsub-message-timestamp";
const SIGNATURE = "twitch-eventsub-message-signature";
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const isObject = (value: unknown): value is object => typeof value === "object" && value !== null;

/** Whole Unix seconds of an RFC 3339 time (Twitch sends nanoseconds, which `Date.parse` may not take). */
function parseRfc3339Seconds(value: string): number | null {
  const match = RFC3339.exec(value);
  if (!match) return null;
  const milliseconds = Date.parse(value.replace(match[1] ?? "", ""));
  return Number.isFinite(milliseconds) ? Math.floor(milliseconds / 1000) : null;
}

export const twitch: Provider = {
  scheme: "twitch-hmac-sha256",
  signed: ["id", "timestamp", "body"],
  untrustedPaths: ["payload.event.message", "payload.event.user_input", "payload.event.title"],
  defaultToleranceSeconds: 600,
  decodeSecret: utf8Secret,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const id = request.headers.get(ID);
    if (!id) return err({ reason: "missing_header", header: ID });
    const rawTimestamp = request.headers.get(TIMESTAMP);
    if (rawTimestamp === null) return err({ reason: "missing_header", header: TIMESTAMP });
    const timestamp = parseRfc3339Seconds(rawTimestamp);
    if (timestamp === null) return err({ reason: "malformed_header", header: TIMESTAMP });
    const signature = header.startsWith("sha256=") ? hexToBytes(header.slice(7)) : null;
    if (signature?.length !== 32) return err({ reason: "malformed_header", header: SIGNATURE });
    const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(id, rawTimestamp, request.body);
    return (await hmacMatchesAny("SHA-256", secrets, signed, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(request, body) {
    const id = request.headers.get(ID);
    if (!id)
      return err({ reason: "missing_event_id", detail: "Twitch-Eventsub-Message-Id header is required" });
    const message = body.json();
    if (message === undefined) return err({ reason: "invalid_body", detail: "EventSub messages are JSON" });
    // Both from the signed body: a revocation is the one message with neither `event` nor `challenge`.
    const subscription = stringField(message, "subscription", "type") ?? "unknown";
    const revoked =
      isObject(message) && !Object.hasOwn(message, "event") && !Object.hasOwn(message, "challenge");
    return ok({ id, type: revoked ? `revocation.${subscription}` : subscription, payload: message });
  },

  // Decided by the signed body, never by the unsigned message-type header: a captured verification
  // re-sent as a "notification" must not become an event of its subscription's type.
  handshake(_request, body) {
    const message = body.json();
    if (!isObject(message) || !Object.hasOwn(message, "challenge")) return null;
    return { status: 200, contentType: "text/plain", body: stringField(message, "challenge") ?? "" };
  },
};
