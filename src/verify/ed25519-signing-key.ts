/**
 * Ed25519 signing keys in Standard Webhooks' `whsk_` form, their public half as a JWK, and the RFC 7638
 * thumbprint that names it: what the forwarder signs `v1a` with and what `/.well-known/jwks.json` publishes.
 */
import { base64ToBytes, bytesToBase64, bytesToBase64Url, utf8 } from "./encoding";

/** An imported signing key with its public JWK and key id. */
export interface Ed25519SigningKey {
  readonly privateKey: CryptoKey;
  /** The public key as a JWK (`OKP`/`Ed25519`, `x` base64url, `kid`, `use`, `alg`). */
  readonly jwk: PublicJwk;
  /** RFC 7638 thumbprint of the public key: the `kid` and the `webhook-key-id` hint. */
  readonly kid: string;
}

export interface PublicJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
  readonly kid: string;
  readonly use: "sig";
  readonly alg: "EdDSA";
}

/** DER prefix of a PKCS #8 Ed25519 private key: the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

/** RFC 7638 thumbprint of an Ed25519 public key: base64url SHA-256 of `{"crv","kty","x"}` in that order. */
export async function ed25519Thumbprint(x: string): Promise<string> {
  const canonical = JSON.stringify({ crv: "Ed25519", kty: "OKP", x });
  return bytesToBase64Url(await crypto.subtle.digest("SHA-256", utf8.encode(canonical)));
}

/**
 * `whsk_<base64>` (prefix optional) to a signing key. The base64 holds the 32-byte seed, or libsodium's
 * 64-byte `seed || public key` (what `npm run keygen` prints), whose public half must match the seed.
 * Null for anything else: a malformed key never signs.
 */
export async function importWhskSigningKey(secret: string): Promise<Ed25519SigningKey | null> {
  const bytes = base64ToBytes(secret.startsWith("whsk_") ? secret.slice(5) : secret);
  if (!bytes || (bytes.length !== 32 && bytes.length !== 64)) return null;
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_ED25519_PREFIX);
  pkcs8.set(bytes.subarray(0, 32), 16);
  try {
    const extractable = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
    const exported = await crypto.subtle.exportKey("jwk", extractable);
    const x = exported instanceof ArrayBuffer ? undefined : exported.x;
    if (typeof x !== "string") return null;
    if (bytes.length === 64 && bytesToBase64Url(bytes.subarray(32)) !== x) return null;
    const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    const kid = await ed25519Thumbprint(x);
    return { privateKey, kid, jwk: { kty: "OKP", crv: "Ed25519", x, kid, use: "sig", alg: "EdDSA" } };
  } catch {
    return null;
  }
}

/** `v1a,<base64 Ed25519 signature>` over Standard Webhooks' signed content `<id>.<timestamp>.<body>`. */
export async function signStandardWebhookEd25519(
  key: Ed25519SigningKey,
  signedContent: Uint8Array,
): Promise<string> {
  return `v1a,${bytesToBase64(await crypto.subtle.sign("Ed25519", key.privateKey, signedContent))}`;
}
