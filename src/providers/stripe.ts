/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>[,v1=…]`, 300 s tolerance.
 * Several `v1` entries appear while a secret is being rolled in the Stripe dashboard.
 * Docs: https://docs.stripe.com/webhooks#verify-manually
 */

import { stringField } from "../normalize/read-body";
import { err, ok } from "../verify/result";
import { type SignatureListScheme, verifySignatureListHmac } from "../verify/signature-list-hmac";
import { type Provider, utf8Secret } from "./provider";

const SCHEME: SignatureListScheme = {
  header: "stripe-signature",
  separator: ",",
  timestampKey: "t",
  signatureKey: "v1",
  joiner: ".",
};

export const stripe: Provider = {
  scheme: "Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of `t.body`>",
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  verify: ({ request, secrets, nowSeconds, toleranceSeconds }) =>
    verifySignatureListHmac(SCHEME, request.headers, request.body, secrets, nowSeconds, toleranceSeconds),

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Stripe events are JSON" });
    const id = stringField(event, "id");
    const type = stringField(event, "type");
    if (!id || !type)
      return err({ reason: "invalid_body", detail: "Stripe events carry string `id` and `type`" });
    return ok({ id, type, payload: event });
  },
};
