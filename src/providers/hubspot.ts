/**
 * HubSpot v3: `X-HubSpot-Signature-v3: <base64 HMAC-SHA256(client secret, method + uri + body + ts)>` with
 * `X-HubSpot-Request-Timestamp` in milliseconds, 300 s tolerance. The uri is the URL HubSpot called with
 * the escapes HubSpot's table lists decoded. Without a v3 header, the older `X-HubSpot-Signature` is
 * checked as its `X-HubSpot-Signature-Version` says: v1 is hex SHA-256(client secret + body), v2 hex
 * SHA-256(client secret + method + URI + body). Neither is timed; v3 wins whenever it is present.
 * A body is a batch of events, so its id joins every `eventId`.
 * Docs: https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation
 * and https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests (v1, v2)
 */

import { stringField } from "../normalize/read-body";
import { concatBytes } from "../verify/encoding";
import { headerTimestampHmacVerifier } from "../verify/header-timestamp-hmac";
import { bytesEqual } from "../verify/hmac";
import { err, ok, type VerifyResult, verified } from "../verify/result";
import { decodeDigest } from "../verify/signature-header";
import { type Provider, utf8Secret, type VerifyInput } from "./provider";

const SIGNATURE = "x-hubspot-signature-v3";
const LEGACY_SIGNATURE = "x-hubspot-signature";
const LEGACY_VERSION = "x-hubspot-signature-version";
const TIMESTAMP = "x-hubspot-request-timestamp";
const MAX_EVENT_ID_LENGTH = 512;
/** The only characters HubSpot decodes from their `%XX` escapes before signing. */
const DECODED = ":/?@!$'()*,;";

const signedUri = (url: string) =>
  url.replace(/%[0-9a-f]{2}/gi, (escaped) => {
    const char = String.fromCharCode(Number.parseInt(escaped.slice(1), 16));
    return DECODED.includes(char) ? char : escaped;
  });

const eventIdOf = (event: unknown): string | undefined => {
  const id: unknown = typeof event === "object" && event !== null ? Reflect.get(event, "eventId") : undefined;
  return Number.isSafeInteger(id) || (typeof id === "string" && id !== "") ? String(id) : undefined;
};

const verifyV3 = headerTimestampHmacVerifier({
  signatureHeader: SIGNATURE,
  timestampHeader: TIMESTAMP,
  prefix: "",
  encoding: "base64",
  parseTimestamp: (raw) => (/^\d{1,15}$/.test(raw) ? Math.floor(Number(raw) / 1000) : null),
  signedContent: (ts, request) => concatBytes(request.method, signedUri(request.url), request.body, ts),
});

/** v1 and v2: a plain SHA-256 over the secret and the request (not an HMAC), compared in constant time. */
async function verifyLegacy({ request, secrets }: VerifyInput): Promise<VerifyResult> {
  const header = request.headers.get(LEGACY_SIGNATURE);
  if (header === null) return err({ reason: "missing_header", header: SIGNATURE });
  const version = request.headers.get(LEGACY_VERSION);
  if (version !== "v1" && version !== "v2")
    return err({ reason: "malformed_header", header: LEGACY_VERSION });
  const signature = decodeDigest(header, "hex", 32);
  if (!signature) return err({ reason: "malformed_header", header: LEGACY_SIGNATURE });
  const signedRequest = version === "v1" ? [] : [request.method, request.url];
  for (const secret of secrets) {
    const source = concatBytes(secret, ...signedRequest, request.body);
    if (bytesEqual(new Uint8Array(await crypto.subtle.digest("SHA-256", source)), signature)) return verified;
  }
  return err({ reason: "bad_signature" });
}

export const hubspot: Provider = {
  scheme: "hubspot-signature",
  signed: ["body"],
  untrustedPaths: ["payload[].propertyValue"],
  defaultToleranceSeconds: 300,
  decodeSecret: utf8Secret,

  verify: (input) => (input.request.headers.has(SIGNATURE) ? verifyV3(input) : verifyLegacy(input)),

  identify(_request, body) {
    const events = body.json();
    if (!Array.isArray(events) || events.length === 0) {
      return err({ reason: "invalid_body", detail: "HubSpot posts a JSON array of events" });
    }
    // HubSpot says `eventId` is not guaranteed unique and batches up to 100 events: the whole list of
    // ids keeps two different batches apart; past 512 characters the body digest is the id.
    const ids = events.map(eventIdOf);
    const joined = ids.every((id) => id !== undefined) ? ids.join(",") : "";
    const types = new Set(events.map((event) => stringField(event, "subscriptionType") ?? "unknown"));
    const [type = "unknown"] = types;
    return ok({
      id: joined && joined.length <= MAX_EVENT_ID_LENGTH ? joined : undefined,
      type: types.size === 1 ? type : "mixed",
      payload: events,
    });
  },
};
