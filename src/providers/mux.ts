/**
 * Mux: `Mux-Signature: t=<unix>,v1=<hex HMAC-SHA256("<t>.<body>")>[,v1=…]`, 300 s tolerance as in the SDK's
 * `webhooks.verifySignature`. Entries of other schemes are ignored. Id and type: body `id` and `type`.
 * Docs: https://www.mux.com/docs/core/verify-webhook-signatures
 */

import { stringField } from "../normalize/read-body";
import { concatBytes, hexToBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { checkFreshness, parseUnixSeconds } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "mux-signature";

export const mux: Provider = {
  scheme: "Mux-Signature: t=<ts>,v1=<hex HMAC-SHA256 of `t.body`>",
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    let timestamp: number | null = null;
    const signatures: Uint8Array[] = [];
    for (const part of header.split(",")) {
      const [key, value] = part.trim().split("=", 2);
      if (key === "t") timestamp = parseUnixSeconds(value);
      if (key === "v1" && value) {
        const bytes = hexToBytes(value);
        if (bytes?.length === 32) signatures.push(bytes);
      }
    }
    if (timestamp === null || signatures.length === 0) {
      return err({ reason: "malformed_header", header: SIGNATURE });
    }
    const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(`${timestamp}.`, request.body);
    return (await hmacMatchesAny("SHA-256", secrets, signed, signatures))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "Mux events are JSON" });
    const id = stringField(event, "id");
    const type = stringField(event, "type");
    if (!id || !type)
      return err({ reason: "invalid_body", detail: "Mux events carry string `id` and `type`" });
    return ok({ id, type, payload: event });
  },
};
