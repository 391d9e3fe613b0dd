/**
 * Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex HMAC-SHA256("<ts>:<body>")>[;h1=…]`, keyed with the
 * notification destination's secret key. Paddle documents a 5 s tolerance (the SDK's
 * `MAX_VALID_TIME_DIFFERENCE`); raise `toleranceSeconds` if your clock drifts. Several `h1` may appear.
 * Docs: https://developer.paddle.com/webhooks/signature-verification
 */

import { stringField } from "../normalize/read-body";
import { err, ok } from "../verify/result";
import { type SignatureListScheme, signatureListHmacVerifier } from "../verify/signature-list-hmac";
import { type Provider, utf8Secret } from "./provider";

const SCHEME: SignatureListScheme = {
  header: "paddle-signature",
  separator: ";",
  timestampKey: "ts",
  signatureKey: "h1",
  joiner: ":",
};

export const paddle: Provider = {
  scheme: "paddle-h1",
  signed: ["timestamp", "body"],
  untrustedPaths: ["payload.data.name"],
  defaultToleranceSeconds: 5,
  decodeSecret: utf8Secret,

  verify: signatureListHmacVerifier(SCHEME),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Paddle events are JSON" });
    const id = stringField(event, "event_id");
    if (!id) return err({ reason: "missing_event_id", detail: "Paddle events carry `event_id`" });
    return ok({ id, type: stringField(event, "event_type") ?? "unknown", payload: event });
  },
};
