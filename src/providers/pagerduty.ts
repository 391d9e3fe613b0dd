/**
 * PagerDuty v3: `X-PagerDuty-Signature: v1=<hex HMAC-SHA256(body)>[,v1=…]`, one entry per active secret
 * while a subscription's secret is rotated. Nothing is timed; retries repeat `event.id`.
 * Docs: https://developer.pagerduty.com/docs/webhooks/webhook-signatures/
 */

import { stringField } from "../normalize/read-body";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { digestEntries, TOO_MANY } from "../verify/signature-header";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "x-pagerduty-signature";

export const pagerduty: Provider = {
  scheme: "pagerduty-v1",
  signed: ["body"],
  untrustedPaths: [
    "payload.event.data.title",
    "payload.event.data.description",
    "payload.event.data.content",
  ],
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signatures = digestEntries(header, ",", "v1", "hex", 32);
    if (signatures === TOO_MANY) return err({ reason: "too_many_signatures", header: SIGNATURE });
    if (signatures.length === 0) return err({ reason: "malformed_header", header: SIGNATURE });
    return (await hmacMatchesAny("SHA-256", secrets, request.body, signatures))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const message = body.json();
    if (message === undefined) return err({ reason: "invalid_body", detail: "PagerDuty posts JSON" });
    const id = stringField(message, "event", "id");
    if (!id) return err({ reason: "missing_event_id", detail: "PagerDuty v3 messages carry `event.id`" });
    return ok({ id, type: stringField(message, "event", "event_type") ?? "unknown", payload: message });
  },
};
