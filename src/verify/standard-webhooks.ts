/**
 * The Standard Webhooks core (https://www.standardwebhooks.com), shared by the verifier of every preset
 * that uses it and by the forwarder that signs envelopes for agents.
 * Signed content: `<msg id>.<unix seconds>.<raw body>`; signature header: space-separated `v1,<base64>`.
 */
import { base64ToBytes, bytesToBase64, concatBytes } from "./encoding";
import { hmacMatchesAny, hmacSign, type SecretBytes } from "./hmac";
import { err, type VerifyResult, verified } from "./result";
import { checkFreshness, parseUnixSeconds } from "./timestamp";

/** `whsec_<base64>` (the prefix is optional) to key bytes; null when not base64. */
export function decodeWhsecSecret(secret: string): SecretBytes | null {
  const bytes = base64ToBytes(secret.startsWith("whsec_") ? secret.slice(6) : secret);
  return bytes && bytes.length > 0 ? bytes : null;
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

export async function verifyStandardWebhook(
  headers: StandardWebhookHeaders,
  names: StandardWebhookHeaderNames,
  body: Uint8Array,
  secrets: readonly SecretBytes[],
  nowSeconds: number,
  toleranceSeconds: number,
): Promise<VerifyResult> {
  if (!headers.id) return err({ reason: "missing_header", header: names.id });
  if (headers.timestamp === null) return err({ reason: "missing_header", header: names.timestamp });
  if (headers.signature === null) return err({ reason: "missing_header", header: names.signature });
  const timestamp = parseUnixSeconds(headers.timestamp);
  if (timestamp === null) return err({ reason: "malformed_header", header: names.timestamp });
  const signatures: Uint8Array[] = [];
  for (const entry of headers.signature.split(" ")) {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) continue;
    const bytes = base64ToBytes(value);
    if (bytes?.length === 32) signatures.push(bytes);
  }
  if (signatures.length === 0) return err({ reason: "malformed_header", header: names.signature });
  const fresh = checkFreshness(timestamp, nowSeconds, toleranceSeconds);
  if (!fresh.ok) return fresh;
  const signed = concatBytes(`${headers.id}.${timestamp}.`, body);
  return (await hmacMatchesAny("SHA-256", secrets, signed, signatures))
    ? verified
    : err({ reason: "bad_signature" });
}
