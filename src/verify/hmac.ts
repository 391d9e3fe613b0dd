/**
 * The one HMAC core every shared-secret scheme uses. Each secret's HMAC of the signed content is computed
 * once and compared with every candidate by `crypto.subtle.timingSafeEqual`, so no signature is ever
 * compared with `===`, and a request listing many signatures costs no more HMAC work than one listing one.
 * Imported keys are cached per isolate: `importKey` is the most expensive step of verifying a small webhook.
 */

export type HmacHash = "SHA-1" | "SHA-256" | "SHA-512";

/** A shared secret as the bytes the provider keys its HMAC with. */
export type SecretBytes = Uint8Array;

const keyCache = new Map<string, Promise<CryptoKey>>();
const KEY_CACHE_LIMIT = 256;

function cacheKey(hash: HmacHash, secret: SecretBytes): string {
  let id = hash;
  for (const byte of secret) id += String.fromCharCode(byte);
  return id;
}

export function hmacKey(hash: HmacHash, secret: SecretBytes): Promise<CryptoKey> {
  const id = cacheKey(hash, secret);
  let key = keyCache.get(id);
  if (!key) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    key = crypto.subtle.importKey("raw", secret, { name: "HMAC", hash }, false, ["sign", "verify"]);
    keyCache.set(id, key);
  }
  return key;
}

/** Signs `data`; used by the forwarder and by tests, never to compare. */
export async function hmacSign(hash: HmacHash, secret: SecretBytes, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(hash, secret), data));
}

/** Constant-time equality of two byte strings; different lengths are simply unequal. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

/**
 * True when any candidate signature matches `data` under any secret (current and previous, for rotation).
 * One HMAC per secret, however many candidates; every comparison is constant-time.
 */
export async function hmacMatchesAny(
  hash: HmacHash,
  secrets: readonly SecretBytes[],
  data: Uint8Array,
  signatures: readonly Uint8Array[],
): Promise<boolean> {
  if (signatures.length === 0) return false;
  for (const secret of secrets) {
    const expected = await hmacSign(hash, secret, data);
    let matched = false;
    for (const signature of signatures) matched = bytesEqual(expected, signature) || matched;
    if (matched) return true;
  }
  return false;
}

/**
 * For schemes that send the secret itself (GitLab's token, Postmark's Basic credentials): true when
 * `candidate` equals any secret. SHA-256 of both sides is compared with `timingSafeEqual`, so neither
 * the secret's length nor a matching prefix shows in the timing.
 */
export async function plainSecretMatchesAny(
  candidate: Uint8Array,
  secrets: readonly SecretBytes[],
): Promise<boolean> {
  const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const presented = await sha256(candidate);
  let matched = false;
  for (const secret of secrets) matched = bytesEqual(presented, await sha256(secret)) || matched;
  return matched;
}
