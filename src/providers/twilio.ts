/**
 * Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(url + form params sorted by name, as name+value)>`,
 * keyed with the Auth Token; a JSON body is covered by the URL's `bodySHA256` parameter instead, and any
 * other body without it is refused (nothing would cover it). Like twilio-node's `validateRequest`, the URL
 * is tried with and without its default port. Nothing is timed.
 * Docs: https://www.twilio.com/docs/usage/webhooks/webhooks-security#validating-signatures-from-twilio
 */

import {
  formFieldsWithin,
  MAX_UNVERIFIED_FORM_FIELDS,
  type ReadBody,
  readBody,
  stringField,
} from "../normalize/read-body";
import { base64ToBytes, bytesToHex, concatBytes } from "../verify/encoding";
import { hmacMatchesAny } from "../verify/hmac";
import { err, ok, verified } from "../verify/result";
import { type Provider, type SignedRequest, utf8Secret } from "./provider";

const SIGNATURE = "x-twilio-signature";
const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

/** The URL without a port and with the scheme's default one, split without normalising it (as the SDK). */
function urlCandidates(url: string): string[] {
  const [prefix = "", scheme = "", authority = ""] = AUTHORITY.exec(url) ?? [];
  if (!prefix) return [url];
  const hostStart = authority.lastIndexOf("@") + 1;
  const portStart = authority.indexOf(":", Math.max(hostStart, authority.lastIndexOf("]") + 1));
  const host = portStart === -1 ? authority : authority.slice(0, portStart);
  const rest = url.slice(prefix.length);
  const defaultPort = scheme.toLowerCase() === "https://" ? ":443" : ":80";
  return [`${scheme}${host}${rest}`, portStart === -1 ? `${scheme}${host}${defaultPort}${rest}` : url];
}

/** Form fields sorted by name, each `name + value` (repeated values deduplicated and sorted). */
function signedParams(body: ReadBody): string {
  const byName = new Map<string, Set<string>>();
  for (const [name, value] of body.form() ?? []) byName.set(name, (byName.get(name) ?? new Set()).add(value));
  return [...byName.keys()]
    .sort()
    .map((name) =>
      [...(byName.get(name) ?? [])]
        .sort()
        .map((value) => name + value)
        .join(""),
    )
    .join("");
}

const isForm = (request: SignedRequest) =>
  request.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded") ?? false;

export const twilio: Provider = {
  scheme: "twilio-hmac-sha1",
  signed: ["url", "form"],
  untrustedPaths: ["payload.Body"],
  decodeSecret: utf8Secret,

  async verify({ request, secrets }) {
    const header = request.headers.get(SIGNATURE);
    if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
    const signature = base64ToBytes(header);
    if (signature?.length !== 20) return err({ reason: "malformed_header", header: SIGNATURE });
    const bodyHash = URL.parse(request.url)?.searchParams.get("bodySHA256");
    if (bodyHash != null) {
      // The hash is public and authenticated by the signed URL, so a plain comparison leaks nothing.
      const actual = bytesToHex(await crypto.subtle.digest("SHA-256", request.body));
      if (bodyHash.toLowerCase() !== actual) return err({ reason: "bad_signature" });
    }
    const form = bodyHash == null && isForm(request) ? readBody(request.body) : null;
    // Without a form or bodySHA256 the signature covers the URL alone: only an empty body is signed then
    // (twilio-node's validateRequestWithBody refuses such a body too).
    if (bodyHash == null && !form && request.body.byteLength > 0) return err({ reason: "bad_signature" });
    // Form parameters are signed, so they are parsed before verifying: bound that work.
    if (form && !formFieldsWithin(form.text() ?? "", MAX_UNVERIFIED_FORM_FIELDS))
      return err({ reason: "body_too_complex", detail: "too many form fields" });
    const params = form ? signedParams(form) : "";
    // Each candidate is one HMAC; the list has at most two entries.
    for (const url of urlCandidates(request.url)) {
      if (await hmacMatchesAny("SHA-1", secrets, concatBytes(url, params), [signature])) return verified;
    }
    return err({ reason: "bad_signature" });
  },

  // The canonical signed string (port-less URL + sorted params), so every encoding of one form is one event.
  signedContent(request, body) {
    const [url = request.url] = urlCandidates(request.url);
    const hasBodyHash = URL.parse(request.url)?.searchParams.has("bodySHA256") ?? false;
    return url + (!hasBodyHash && isForm(request) ? signedParams(body) : "");
  },

  identify(request, body) {
    const form = isForm(request) ? body.form() : null;
    const payload = form ? Object.fromEntries(form) : body.json();
    if (payload === undefined) return err({ reason: "invalid_body", detail: "Twilio posts a form or JSON" });
    const field = (name: string) => stringField(payload, name);
    const messageSid = field("MessageSid") ?? field("SmsSid");
    const callSid = field("CallSid");
    const status = messageSid ? (field("MessageStatus") ?? field("SmsStatus")) : field("CallStatus");
    const kind = messageSid ? "message" : callSid ? "call" : undefined;
    const type = field("EventType") ?? (kind && status ? `${kind}.${status}` : (kind ?? "unknown"));
    // A call makes many requests with one CallSid, so only a message's sid + status is an id of its own.
    const messageId = messageSid && (status ? `${messageSid}.${status}` : messageSid);
    return ok({ id: request.headers.get("i-twilio-idempotency-token") || messageId, type, payload });
  },
};
