/**
 * SendGrid Event Webhook: `X-Twilio-Email-Event-Webhook-Signature: <base64 DER ECDSA P-256/SHA-256 of
 * timestamp + body>` with `X-Twilio-Email-Event-Webhook-Timestamp`, checked with the base64 SPKI
 * verification key. SendGrid documents no tolerance, so the gateway default applies.
 * Docs: https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 */

import { stringField } from "../normalize/read-body";
import { base64ToBytes, concatBytes } from "../verify/encoding";
import { ecdsaDerToP1363, signatureMatchesAny } from "../verify/public-key";
import { err, ok, verified } from "../verify/result";
import { checkFreshness, parseUnixSeconds } from "../verify/timestamp";
import type { Provider } from "./provider";

const SIGNATURE = "x-twilio-email-event-webhook-signature";
const TIMESTAMP = "x-twilio-email-event-webhook-timestamp";
/** Base64 of the 27 bytes every uncompressed P-256 SubjectPublicKeyInfo starts with. */
const P256_SPKI_PREFIX = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE";
const PEM_ARMOR = /-----(BEGIN|END) PUBLIC KEY-----|\s/g;

export const sendgrid: Provider = {
  scheme: "sendgrid-ecdsa-p256",
  signed: ["timestamp", "body"],
  // Event Webhook deliveries carry addresses, your own categories and status, no message text.
  untrustedPaths: [],
  keyKind: "publicKey",
  decodeSecret: (key) => {
    const base64 = key.replace(PEM_ARMOR, "");
    const bytes = base64.startsWith(P256_SPKI_PREFIX) ? base64ToBytes(base64) : null;
    return bytes?.length === 91 ? bytes : null;
  },

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const rawTimestamp = request.headers.get(TIMESTAMP);
    if (rawTimestamp === null) return err({ reason: "missing_header", header: TIMESTAMP });
    const timestamp = parseUnixSeconds(rawTimestamp);
    if (timestamp === null) return err({ reason: "malformed_header", header: TIMESTAMP });
    const der = base64ToBytes(header);
    const signature = der && ecdsaDerToP1363(der);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(rawTimestamp, request.body);
    return (await signatureMatchesAny("ECDSA-P256", secrets, signed, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const events = body.json();
    if (!Array.isArray(events) || events.length === 0)
      return err({ reason: "invalid_body", detail: "SendGrid posts a non-empty JSON array of events" });
    // Only a single-event batch is identified by its sg_event_id: a batch's first event says nothing
    // about the others, so a multi-event batch is deduplicated by its body digest.
    if (events.length > 1) return ok({ type: "batch", payload: events });
    const [first] = events;
    return ok({
      id: stringField(first, "sg_event_id"),
      type: stringField(first, "event") ?? "unknown",
      payload: events,
    });
  },
};
