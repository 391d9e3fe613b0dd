/**
 * The one public-key core for key-pair schemes: Ed25519 (Discord, Standard Webhooks `v1a`) and ECDSA
 * P-256 with SHA-256 (SendGrid). Like `hmac.ts`, imported keys are cached per isolate. A key WebCrypto
 * will not import, or a signature it refuses, simply does not match: nothing here throws.
 */

export type PublicKeyAlgorithm = "Ed25519" | "ECDSA-P256";

/** The raw 32-byte key for Ed25519; the DER SubjectPublicKeyInfo for ECDSA P-256. */
export type PublicKeyBytes = Uint8Array;

const IMPORT = {
  Ed25519: { format: "raw", algorithm: { name: "Ed25519" } },
  "ECDSA-P256": { format: "spki", algorithm: { name: "ECDSA", namedCurve: "P-256" } },
} as const;
const VERIFY = { Ed25519: { name: "Ed25519" }, "ECDSA-P256": { name: "ECDSA", hash: "SHA-256" } } as const;

const keyCache = new Map<string, Promise<CryptoKey | null>>();
const KEY_CACHE_LIMIT = 256;

function importPublicKey(algorithm: PublicKeyAlgorithm, key: PublicKeyBytes): Promise<CryptoKey | null> {
  let id: string = algorithm;
  for (const byte of key) id += String.fromCharCode(byte);
  let imported = keyCache.get(id);
  if (!imported) {
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    const { format, algorithm: params } = IMPORT[algorithm];
    // `then` also turns a synchronous throw from importKey into a rejection, and so into null.
    imported = Promise.resolve()
      .then(() => crypto.subtle.importKey(format, key, params, false, ["verify"]))
      .catch(() => null);
    keyCache.set(id, imported);
  }
  return imported;
}

/**
 * True when any signature verifies `data` under any key (current and previous, for rotation).
 * ECDSA signatures are IEEE P1363 `r || s` (64 bytes); convert DER ones with `ecdsaDerToP1363` first.
 */
export async function signatureMatchesAny(
  algorithm: PublicKeyAlgorithm,
  keys: readonly PublicKeyBytes[],
  data: Uint8Array,
  signatures: readonly Uint8Array[],
): Promise<boolean> {
  for (const key of keys) {
    const imported = await importPublicKey(algorithm, key);
    if (!imported) continue;
    for (const signature of signatures) {
      try {
        if (await crypto.subtle.verify(VERIFY[algorithm], imported, signature, data)) return true;
      } catch {
        // A signature WebCrypto cannot parse is not a match.
      }
    }
  }
  return false;
}

/**
 * A DER `SEQUENCE { INTEGER r, INTEGER s }` ECDSA P-256 signature as the 64-byte `r || s` WebCrypto
 * verifies; null unless it is strict DER (short lengths, minimal positive integers, no trailing bytes).
 */
export function ecdsaDerToP1363(der: Uint8Array): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const raw = new Uint8Array(64);
  let offset = 2;
  for (const half of [0, 32]) {
    const length = der[offset + 1] ?? 0;
    const start = offset + 2;
    if (der[offset] !== 0x02 || length < 1 || length > 33 || start + length > der.length) return null;
    let integer = der.subarray(start, start + length);
    const first = integer[0] ?? 0;
    if (first & 0x80) return null;
    if (first === 0 && length > 1 && ((integer[1] ?? 0) & 0x80) === 0) return null;
    if (first === 0) integer = integer.subarray(1);
    if (integer.length > 32) return null;
    raw.set(integer, half + 32 - integer.length);
    offset = start + length;
  }
  return offset === der.length ? raw : null;
}
