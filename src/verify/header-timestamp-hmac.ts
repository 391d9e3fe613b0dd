/**
 * The shared verifier for schemes with a signature header and a separate timestamp header, where the
 * HMAC-SHA256 covers the timestamp and the body in a provider-specific layout (Slack, Zoom, Zendesk, HubSpot).
 */

import { concatBytes } from "./encoding";
import { hmacMatchesAny, type SecretBytes } from "./hmac";
import { err, type VerifyResult, verified } from "./result";
import { type DigestEncoding, decodeDigest } from "./signature-header";
import { checkFreshness, parseUnixSeconds } from "./timestamp";

export interface SignedParts {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

export interface HeaderTimestampHmacScheme {
  readonly signatureHeader: string;
  readonly timestampHeader: string;
  /** A prefix the signature carries (`v0=`), or "". */
  readonly prefix: string;
  readonly encoding: DigestEncoding;
  /** Unix seconds of the raw timestamp header, or null when it is malformed. */
  readonly parseTimestamp: (raw: string) => number | null;
  /** The signed bytes, built from the timestamp exactly as sent. */
  readonly signedContent: (rawTimestamp: string, request: SignedParts) => Uint8Array;
}

type Input = {
  request: SignedParts;
  secrets: readonly SecretBytes[];
  nowSeconds: number;
  toleranceSeconds: number;
};

/** Builds a provider's `verify` for a signature-plus-timestamp-header scheme. */
export function headerTimestampHmacVerifier(scheme: HeaderTimestampHmacScheme) {
  return async function verifyHeaderTimestampHmac(input: Input): Promise<VerifyResult> {
    const { request } = input;
    const header = request.headers.get(scheme.signatureHeader);
    if (header === null) return err({ reason: "missing_header", header: scheme.signatureHeader });
    const rawTimestamp = request.headers.get(scheme.timestampHeader);
    if (rawTimestamp === null) return err({ reason: "missing_header", header: scheme.timestampHeader });
    const timestamp = scheme.parseTimestamp(rawTimestamp);
    if (timestamp === null) return err({ reason: "malformed_header", header: scheme.timestampHeader });
    const signature = header.startsWith(scheme.prefix)
      ? decodeDigest(header.slice(scheme.prefix.length), scheme.encoding, 32)
      : null;
    if (!signature) return err({ reason: "malformed_header", header: scheme.signatureHeader });
    const fresh = checkFreshness(timestamp, input.nowSeconds, input.toleranceSeconds);
    if (!fresh.ok) return fresh;
    const signed = scheme.signedContent(rawTimestamp, request);
    return (await hmacMatchesAny("SHA-256", input.secrets, signed, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  };
}

/** The `v0=<hex HMAC-SHA256("v0:<unix seconds>:<body>")>` scheme Slack and Zoom share. */
export function v0SignatureVerifier(signatureHeader: string, timestampHeader: string) {
  return headerTimestampHmacVerifier({
    signatureHeader,
    timestampHeader,
    prefix: "v0=",
    encoding: "hex",
    parseTimestamp: parseUnixSeconds,
    signedContent: (ts, request) => concatBytes(`v0:${ts}:`, request.body),
  });
}
