/**
 * The Standard Webhooks core (https://www.standardwebhooks.com), shared by the verifier of every preset
 * that uses it and by the forwarder that signs envelopes for agents.
 * Signed content: `<msg id>.<unix seconds>.<raw body>`; signature header: space-separated
 * `v1,<base64 HMAC-SHA256>` (symmetric, `whsec_` secret) or `v1a,<base64 Ed25519>` (`whpk_` public key).
 */
import { base64ToBytes, bytesToBase64, concatBytes } from "./encoding";
import { hmacMatchesAny, hmacSign, type SecretBytes } from "./hmac";
import { type PublicKeyBytes, signatureMatchesAny } from "./public-key";
import { err, type VerifyResult, verified } from "./result";
import { MAX_SIGNATURES } from "./signature-header";
import { checkFreshness, parseUnixSeconds } from "./timestamp";

/** `whsec_<base64>` (the prefix is optional) to key bytes; null when not base64. */
export function decodeWhsecSecret(secret: string): SecretBytes | null {
  const bytes = base64ToBytes(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  return bytes && bytes.length > 0 ? bytes : null;
}

/** `whpk_<base64>` (the prefix is optional) of a raw 32-byte Ed25519 public key; null otherwise. */
export function decodeWhpkPublicKey(key: string): PublicKeyBytes | null {
  const bytes = base64ToBytes(key.startsWith("whpk_") ? key.slice(5) : key);
  return bytes?.length === 32 ? bytes : null;
}

export async function signStandardWebhook(
  secret: SecretBytes,
  messageId: string,
  timestampSeconds: number,
  body: Uint8Array,
): Promise<string> {
  const signed = concatBytes(`${messageId}.${timestampSeconds}.`, body);
  return `v1,${bytesToBase64(await hmacSign("SHA-256", secret, signed))}`;
}

export interface StandardWebhookHeaders {
  readonly id: string | null;
  readonly timestamp: string | null;
  readonly signature: string | null;
}

export interface StandardWebhookHeaderNames {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
}

/** `v1`: HMAC-SHA256 keyed with `whsec_` secrets. `v1a`: Ed25519 checked with `whpk_` public keys. */
export type StandardSignatureVersion = "v1" | "v1a";
const SIGNATURE_BYTES: Record<StandardSignatureVersion, number> = { v1: 32, v1a: 64 };

/** Verifies the entries of one signature version; entries of other versions are ignored. */
export async function verifyStandardWebhook(
  headers: StandardWebhookHeaders,
  names: StandardWebhookHeaderNames,
  body: Uint8Array,
  keys: readonly SecretBytes[],
  nowSeconds: number,
  toleranceSeconds: number,
  accepted: StandardSignatureVersion = "v1",
): Promise<VerifyResult> {
  if (!headers.id) return err({ reason: "missing_header", header: names.id });
  if (headers.timestamp === null) return err({ reason: "missing_header", header: names.timestamp });
  if (headers.signature === null) return err({ reason: "missing_header", header: names.signature });
  const timestamp = parseUnixSeconds(headers.timestamp);
  if (timestamp === null) return err({ reason: "malformed_header", header: names.timestamp });
  const entries = headers.signature.split(" ");
  if (entries.length > MAX_SIGNATURES) return err({ reason: "too_many_signatures", header: names.signature });
  // Standard Webhooks sends one header: joined repeats (`a, b`) are refused, not merged.
  if (headers.signature.includes(", ")) return err({ reason: "malformed_header", header: names.signature });
  const signatures: Uint8Array[] = [];
  for (const entry of entries) {
    const [version, value] = entry.split(",", 2);
    if (version !== accepted || !value) continue;
    const bytes = base64ToBytes(value);
    if (bytes?.length === SIGNATURE_BYTES[accepted]) signatures.push(bytes);
  }
  if (signatures.length === 0) return err({ reason: "malformed_header", header: names.signature });
  const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
  if (!fresh.ok) return fresh;
  const signed = concatBytes(`${headers.id}.${timestamp}.`, body);
  const matches =
    accepted === "v1"
      ? await hmacMatchesAny("SHA-256", keys, signed, signatures)
      : await signatureMatchesAny("Ed25519", keys, signed, signatures);
  return matches ? verified : err({ reason: "bad_signature" });
}
