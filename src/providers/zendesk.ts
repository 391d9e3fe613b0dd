/**
 * Zendesk: `X-Zendesk-Webhook-Signature: <base64 HMAC-SHA256(signing secret, timestamp + body)>` with an
 * ISO 8601 `X-Zendesk-Webhook-Signature-Timestamp`; 300 s tolerance (Zendesk names none). Id:
 * `X-Zendesk-Webhook-Invocation-Id`, else body `id`; type: body `type` (`zen:event-type:ticket.created`).
 * Docs: https://developer.zendesk.com/documentation/webhooks/verifying/
 */

import { defaultPayload, stringField } from "../normalize/read-body";
import { concatBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { decodeDigest } from "../verify/signature-header";
import { checkFreshness } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-zendesk-webhook-signature";
const TIMESTAMP = "x-zendesk-webhook-signature-timestamp";
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Whole Unix seconds of an ISO 8601 date-time with a zone; null for anything else. */
function parseIsoSeconds(value: string): number | null {
  const match = ISO_8601.exec(value);
  if (!match) return null;
  const milliseconds = Date.parse(value.replace(match[1] ?? "", ""));
  return Number.isFinite(milliseconds) ? Math.floor(milliseconds / 1000) : null;
}

export const zendesk: Provider = {
  scheme: "X-Zendesk-Webhook-Signature: <base64 HMAC-SHA256 of `timestamp + body`>",
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const rawTimestamp = request.headers.get(TIMESTAMP);
    if (rawTimestamp === null) return err({ reason: "missing_header", header: TIMESTAMP });
    const timestamp = parseIsoSeconds(rawTimestamp);
    if (timestamp === null) return err({ reason: "malformed_header", header: TIMESTAMP });
    const signature = decodeDigest(header, "base64", 32);
    if (!signature) return err({ reason: "malformed_header", header: SIGNATURE });
    const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(rawTimestamp, request.body);
    return (await hmacMatchesAny("SHA-256", secrets, signed, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(request, body) {
    const payload = defaultPayload(body);
    const id = request.headers.get("x-zendesk-webhook-invocation-id") || stringField(payload, "id");
    return ok({ id, type: stringField(payload, "type") ?? "unknown", payload });
  },
};
