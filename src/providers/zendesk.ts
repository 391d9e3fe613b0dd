/**
 * Zendesk: `X-Zendesk-Webhook-Signature: <base64 HMAC-SHA256(signing secret, timestamp + body)>` with an
 * ISO 8601 `X-Zendesk-Webhook-Signature-Timestamp`; 300 s tolerance (Zendesk names none). Id:
 * `X-Zendesk-Webhook-Invocation-Id`, else body `id`; type: body `type` (`zen:event-type:ticket.created`).
 * Docs: https://developer.zendesk.com/documentation/webhooks/verifying/
 */

import { defaultPayload, stringField } from "../normalize/read-body";
import { concatBytes } from "../verify/encoding";
import { headerTimestampHmacVerifier } from "../verify/header-timestamp-hmac";
import { ok } from "../verify/result";
import { type Provider, signedBody, utf8Secret } from "./provider";

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
  scheme: "zendesk-hmac-sha256",
  signed: ["timestamp", "body"],
  untrustedPaths: ["payload.detail.subject", "payload.detail.description", "payload.event.comment.body"],
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,
  // The body alone: a replay must repeat the signed timestamp anyway, and Zendesk's retries re-sign it.
  signedContent: signedBody,

  verify: headerTimestampHmacVerifier({
    signatureHeader: SIGNATURE,
    timestampHeader: TIMESTAMP,
    prefix: "",
    encoding: "base64",
    parseTimestamp: parseIsoSeconds,
    signedContent: (ts, request) => concatBytes(ts, request.body),
  }),

  identify(request, body) {
    const payload = defaultPayload(body);
    const id = request.headers.get("x-zendesk-webhook-invocation-id") || stringField(payload, "id");
    return ok({ id, type: stringField(payload, "type") ?? "unknown", payload });
  },
};
