/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>[,v1=…]`, 300 s tolerance.
 * Several `v1` entries appear while a secret is being rolled in the Stripe dashboard. Mux uses the same
 * scheme and event shape under `Mux-Signature`, so both presets come from `stripeStylePreset`.
 * Docs: https://docs.stripe.com/webhooks#verify-manually
 */

import { stringField } from "../normalize/read-body";
import { err, ok } from "../verify/result";
import { signatureListHmacVerifier } from "../verify/signature-list-hmac";
import { type Provider, utf8Secret } from "./provider";

/** A `t=…,v1=…` preset whose JSON events carry string `id` and `type` (Stripe, Mux). */
export function stripeStylePreset(header: string, name: string): Provider {
  return {
    scheme: `${name.toLowerCase()}-v1`,
    signed: ["timestamp", "body"],
    defaultToleranceSeconds: 300,
    decodeSecret: utf8Secret,

    verify: signatureListHmacVerifier({
      header,
      separator: ",",
      timestampKey: "t",
      signatureKey: "v1",
      joiner: ".",
    }),

    identify(_request, body) {
      const event = body.json();
      if (event === undefined) return err({ reason: "invalid_body", detail: `${name} events are JSON` });
      const id = stringField(event, "id");
      const type = stringField(event, "type");
      if (!id || !type)
        return err({ reason: "invalid_body", detail: `${name} events carry string \`id\` and \`type\`` });
      return ok({ id, type, payload: event });
    },
  };
}

export const stripe: Provider = {
  ...stripeStylePreset("stripe-signature", "Stripe"),
  untrustedPaths: [
    "payload.data.object.description",
    "payload.data.object.name",
    "payload.data.object.shipping.name",
    "payload.data.object.customer_details.name",
    "payload.data.object.custom_fields[].text.value",
  ],
};
