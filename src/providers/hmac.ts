/**
 * The configurable `hmac` provider, for senders that are not presets: one header carrying an HMAC of a
 * templated signed content (`{body}`, `{timestamp}.{body}`, `{id}.{timestamp}.{body}`), built from a
 * source's `hmac` config (validated in src/config/hmac-scheme.ts) on the shared core of src/verify/.
 */

import { defaultPayload, type ReadBody } from "../normalize/read-body";
import { DIGEST_BYTES } from "../verify/body-hmac";
import { concatBytes } from "../verify/encoding";
import { type HmacHash, hmacMatchesAny } from "../verify/hmac";
import { err, ok, type VerifyResult, verified } from "../verify/result";
import { type DigestEncoding, decodeDigest, MAX_SIGNATURES } from "../verify/signature-header";
import { checkFreshness } from "../verify/timestamp";
import type { Provider, SignedRequest, VerifyInput } from "./provider";
import { utf8Secret } from "./provider";

/** How a timestamp header is written: Unix seconds, Unix milliseconds or an ISO 8601 date-time. */
export type TimestampFormat = "unix" | "unix_ms" | "iso8601";

/** A body path as configured: `payload.` followed by dot-separated keys (`payload.job.id`). */
export type BodyPath = string;

/** The validated `hmac` block of a source (see src/config/hmac-scheme.ts for the rules and defaults). */
export interface HmacScheme {
  readonly header: string;
  readonly algorithm: HmacHash;
  readonly encoding: DigestEncoding;
  readonly prefix: string;
  /** A template over `{body}`, `{timestamp}` and `{id}`; the rest is literal text. */
  readonly signedContent: string;
  readonly timestampHeader: { readonly name: string; readonly format: TimestampFormat } | null;
  readonly toleranceSeconds: number;
  /** Body paths joined with `:`, a header (only when `{id}` is signed), or absent: the body's SHA-256. */
  readonly id?: readonly BodyPath[] | { readonly header: string };
  /** A body path, or `unknown`. */
  readonly type: BodyPath | "unknown";
  /** Body paths holding text third parties write (`[]` for each array element), marked in the envelope's `untrusted`. */
  readonly untrustedPaths?: readonly string[];
}

const PLACEHOLDER = /\{(body|timestamp|id)\}/g;

/** Unix seconds of a timestamp header in `format`, or null when it is not exactly that format. */
export function parseTimestamp(raw: string, format: TimestampFormat): number | null {
  if (format === "unix") return /^\d{1,12}$/.test(raw) ? Number(raw) : null;
  if (format === "unix_ms") return /^\d{1,15}$/.test(raw) ? Math.floor(Number(raw) / 1000) : null;
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
  const ms = iso.test(raw) ? Date.parse(raw) : Number.NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/** The signed bytes: the template with the raw body, and the timestamp and id exactly as sent. */
export function renderSignedContent(
  template: string,
  parts: { body: Uint8Array; timestamp?: string; id?: string },
): Uint8Array {
  const pieces: (string | Uint8Array)[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    pieces.push(template.slice(last, match.index));
    const name = match[1];
    pieces.push(name === "body" ? parts.body : ((name === "timestamp" ? parts.timestamp : parts.id) ?? ""));
    last = match.index + match[0].length;
  }
  pieces.push(template.slice(last));
  return concatBytes(...pieces);
}

/** The string or number at `payload.a.b` of a JSON body, as text; undefined when absent or not a scalar. */
function readPath(payload: unknown, path: BodyPath): string | undefined {
  let current: unknown = payload;
  for (const key of path.split(".").slice(1)) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = Reflect.get(current, key);
  }
  if (typeof current === "string" && current.length > 0) return current;
  if (typeof current === "number" && Number.isFinite(current)) return String(current);
  return undefined;
}

async function verifyHmac(scheme: HmacScheme, input: VerifyInput): Promise<VerifyResult> {
  const { headers, body } = input.request;
  const header = headers.get(scheme.header);
  if (header === null) return err({ reason: "missing_header", header: scheme.header });
  // A rotating sender may list several signatures, separated by spaces.
  const entries = header.trim().split(/\s+/);
  if (entries.length > MAX_SIGNATURES) return err({ reason: "too_many_signatures", header: scheme.header });
  const signatures: Uint8Array[] = [];
  for (const entry of entries) {
    const digest = entry.startsWith(scheme.prefix)
      ? decodeDigest(entry.slice(scheme.prefix.length), scheme.encoding, DIGEST_BYTES[scheme.algorithm])
      : null;
    if (digest) signatures.push(digest);
  }
  if (signatures.length === 0) return err({ reason: "malformed_header", header: scheme.header });

  let timestamp: string | undefined;
  if (scheme.timestampHeader) {
    const { name, format } = scheme.timestampHeader;
    const raw = headers.get(name);
    if (raw === null) return err({ reason: "missing_header", header: name });
    const seconds = parseTimestamp(raw, format);
    if (seconds === null) return err({ reason: "malformed_header", header: name });
    const fresh = checkFreshness(seconds, input.nowSeconds, input.toleranceSeconds);
    if (!fresh.ok) return fresh;
    timestamp = raw;
  }
  let id: string | undefined;
  if (scheme.id && "header" in scheme.id) {
    const raw = headers.get(scheme.id.header);
    if (raw === null) return err({ reason: "missing_header", header: scheme.id.header });
    id = raw;
  }
  const signed = renderSignedContent(scheme.signedContent, { body, timestamp, id });
  return (await hmacMatchesAny(scheme.algorithm, input.secrets, signed, signatures))
    ? verified
    : err({ reason: "bad_signature" });
}

function identifyHmac(scheme: HmacScheme, request: SignedRequest, body: ReadBody) {
  const payload = defaultPayload(body);
  const type = scheme.type === "unknown" ? "unknown" : readPath(payload, scheme.type);
  if (type === undefined)
    return err({ reason: "invalid_body" as const, detail: `${scheme.type} is missing or not a string` });
  if (!scheme.id) return ok({ type, payload });
  if ("header" in scheme.id)
    return ok({ id: request.headers.get(scheme.id.header) ?? undefined, type, payload });
  const parts: string[] = [];
  for (const path of scheme.id) {
    const part = readPath(payload, path);
    if (part === undefined)
      return err({
        reason: "missing_event_id" as const,
        detail: `${path} is missing or not a string or number`,
      });
    parts.push(part);
  }
  return ok({ id: parts.join(":"), type, payload });
}

/**
 * A provider for one `hmac` source. Everything the id and type are read from is covered by the signature
 * (the config schema refuses anything else), so no `signedContent` claim is needed.
 */
export function hmacProvider(scheme: HmacScheme): Provider {
  const parts = [...scheme.signedContent.matchAll(PLACEHOLDER)].map((match) => match[1]);
  return {
    scheme: `hmac-${scheme.algorithm.toLowerCase()}`,
    signed: parts.filter((part) => part === "id" || part === "timestamp" || part === "body"),
    decodeSecret: utf8Secret,
    defaultToleranceSeconds: scheme.toleranceSeconds,
    untrustedPaths: scheme.untrustedPaths ?? [],
    verify: (input) => verifyHmac(scheme, input),
    identify: (request, body) => identifyHmac(scheme, request, body),
  };
}
