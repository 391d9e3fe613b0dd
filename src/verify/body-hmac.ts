/**
 * The shared verifier for the most common scheme: one header carrying an HMAC of the raw body, as hex or
 * base64, optionally after a prefix such as `sha256=` (GitHub, Shopify, Bitbucket, Intercom, Vercel, …).
 */
import { type HmacHash, hmacMatchesAny, type SecretBytes } from "./hmac";
import { err, type VerifyResult, verified } from "./result";
import { type DigestEncoding, decodeDigest } from "./signature-header";

export interface BodyHmacScheme {
  /** Lowercase header name. */
  readonly header: string;
  readonly hash: HmacHash;
  readonly encoding: DigestEncoding;
  /** A prefix the value must carry (`sha256=`), or "" for a bare digest. */
  readonly prefix: string;
  /** Accept the digest with or without the prefix (the generic scheme). */
  readonly prefixOptional?: boolean;
}

/** The length of each hash's digest: a signature of any other length is malformed. */
export const DIGEST_BYTES: Record<HmacHash, number> = { "SHA-1": 20, "SHA-256": 32, "SHA-512": 64 };

type BodyHmacInput = { request: { headers: Headers; body: Uint8Array }; secrets: readonly SecretBytes[] };

/** Builds a provider's `verify` for a body-HMAC scheme. */
export function bodyHmacVerifier(scheme: BodyHmacScheme) {
  return async function verifyBodyHmac({ request, secrets }: BodyHmacInput): Promise<VerifyResult> {
    const header = request.headers.get(scheme.header);
    if (header === null) return err({ reason: "missing_header", header: scheme.header });
    const prefixed = header.startsWith(scheme.prefix);
    const digest =
      prefixed || scheme.prefixOptional ? header.slice(prefixed ? scheme.prefix.length : 0) : null;
    const signature =
      digest === null ? null : decodeDigest(digest, scheme.encoding, DIGEST_BYTES[scheme.hash]);
    if (!signature) return err({ reason: "malformed_header", header: scheme.header });
    return (await hmacMatchesAny(scheme.hash, secrets, request.body, [signature]))
      ? verified
      : err({ reason: "bad_signature" });
  };
}
