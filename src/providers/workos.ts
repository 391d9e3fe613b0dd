/**
 * WorkOS: `WorkOS-Signature: t=<unix ms>, v1=<hex HMAC-SHA256("<t>.<body>")>`, 180 s tolerance as in the
 * SDK's `webhooks.constructEvent`; the signed `t` is the header's millisecond string exactly as sent.
 * Id and type: body `id` and `event` (`dsync.user.created`).
 * Docs: https://workos.com/docs/events/data-syncing/webhooks
 */

import { stringField } from "../normalize/read-body";
import { concatBytes, hexToBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { checkFreshness } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

const SIGNATURE = "workos-signature";
const MILLISECONDS = /^\d{1,15}$/;

export const workos: Provider = {
  scheme: "WorkOS-Signature: t=<ms>, v1=<hex HMAC-SHA256 of `t.body`>",
  defaultToleranceSeconds: 180,
  decodeSecret: utf8Secret,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    let issuedMs: string | null = null;
    const signatures: Uint8Array[] = [];
    for (const part of header.split(",")) {
      const [key, value = ""] = part.trim().split("=", 2);
      if (key === "t" && MILLISECONDS.test(value)) issuedMs = value;
      if (key === "v1") {
        const bytes = hexToBytes(value);
        if (bytes?.length === 32) signatures.push(bytes);
      }
    }
    if (issuedMs === null || signatures.length === 0) {
      return err({ reason: "malformed_header", header: SIGNATURE });
    }
    const fresh = checkFreshness(Math.floor(Number(issuedMs) / 1000), nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(`${issuedMs}.`, request.body);
    return (await hmacMatchesAny("SHA-256", secrets, signed, signatures))
      ? verified
      : err({ reason: "bad_signature" });
  },

  identify(_request, body) {
    const event = body.json();
    if (event === undefined) return err({ reason: "invalid_body", detail: "WorkOS events are JSON" });
    const id = stringField(event, "id");
    const type = stringField(event, "event");
    if (!id || !type)
      return err({ reason: "invalid_body", detail: "WorkOS events carry string `id` and `event`" });
    return ok({ id, type, payload: event });
  },
};
