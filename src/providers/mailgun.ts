/**
 * Mailgun: the body carries `signature: {timestamp, token, signature}` (JSON webhooks) or the same form
 * fields (legacy webhooks); `signature` (or a subaccount's `parent-signature`) is the hex
 * HMAC-SHA256(signing key, timestamp + token). Mailgun names no tolerance: 300 s here, like Stripe and
 * Slack; the token is the fallback id, so a replayed token within that window is a duplicate.
 * Docs: https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 */

import {
  formFieldsWithin,
  jsonDepthWithin,
  MAX_UNVERIFIED_FORM_FIELDS,
  MAX_UNVERIFIED_JSON_DEPTH,
  type ReadBody,
  readBody,
  stringField,
} from "../normalize/read-body";
import { concatBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { decodeDigest } from "../verify/signature-header";
import { checkFreshness, parseUnixSeconds } from "../verify/timestamp";
import { type Provider, utf8Secret } from "./provider";

/** Body fields, not headers; a subaccount's events add `parent-signature`, keyed with the parent's key. */
const FIELDS = ["timestamp", "token", "signature", "parent-signature"];

const propertyOf = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null && Object.hasOwn(value, name)
    ? Reflect.get(value, name)
    : undefined;

/** `signature.<name>` of a JSON body (a string, or the timestamp as an integer), else form field `<name>`. */
function signatureField(body: ReadBody, name: string): string | undefined {
  const json = body.json();
  if (json === undefined) return body.form()?.get(name) || undefined;
  const value = propertyOf(propertyOf(json, "signature"), name);
  return typeof value === "string" ? value : Number.isSafeInteger(value) ? String(value) : undefined;
}

export const mailgun: Provider = {
  scheme: "mailgun-hmac-sha256",
  signed: ["timestamp", "token"],
  untrustedPaths: [
    "payload.event-data.message.headers.subject",
    "payload.event-data.delivery-status.message",
    "payload.event-data.delivery-status.description",
    "payload.subject",
    "payload.body-plain",
    "payload.body-html",
    "payload.stripped-text",
    "payload.stripped-html",
    "payload.stripped-signature",
  ],
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  async verify({ request, secrets, nowSeconds, toleranceSeconds }) {
    const body = readBody(request.body);
    // The signature lives in the body, so the body is parsed before it is verified: bound that work.
    const text = body.text() ?? "";
    if (
      !jsonDepthWithin(text, MAX_UNVERIFIED_JSON_DEPTH) ||
      !formFieldsWithin(text, MAX_UNVERIFIED_FORM_FIELDS)
    )
      return err({ reason: "body_too_complex", detail: "nested or split past the bounds" });
    const [rawTimestamp, token, signature, parentSignature] = FIELDS.map((name) =>
      signatureField(body, name),
    );
    if (!rawTimestamp || !token || !signature) return err({ reason: "missing_header", header: "signature" });
    const timestamp = parseUnixSeconds(rawTimestamp);
    if (timestamp === null) return err({ reason: "malformed_header", header: "timestamp" });
    const signatures = [signature, parentSignature].flatMap(
      (value) => (value && decodeDigest(value, "hex", 32)) || [],
    );
    if (signatures.length === 0) return err({ reason: "malformed_header", header: "signature" });
    const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = concatBytes(rawTimestamp, token);
    return (await hmacMatchesAny("SHA-256", secrets, signed, signatures))
      ? verified
      : err({ reason: "bad_signature" });
  },

  // Mailgun signs only `timestamp + token`: one signature is one event, whatever body it comes with.
  signedContent: (_request, body) => signatureField(body, "token") ?? null,

  identify(_request, body) {
    const json = body.json();
    if (json !== undefined) {
      const id = stringField(json, "event-data", "id") ?? stringField(json, "signature", "token");
      return ok({ id, type: stringField(json, "event-data", "event") ?? "unknown", payload: json });
    }
    const form = body.form();
    if (!form) return err({ reason: "invalid_body", detail: "Mailgun posts JSON or a form" });
    const payload = Object.fromEntries(form);
    return ok({ id: form.get("token") || undefined, type: form.get("event") || "unknown", payload });
  },
};
