/**
 * Parsers for the signature header shapes several presets share: `<prefix><digest>` (`sha256=<hex>`)
 * and `key=value` lists (`t=…,v1=…`, `ts=…;h1=…`). Nothing here throws: what does not parse is null.
 */
import { base64ToBytes, base64UrlToBytes, hexToBytes } from "./encoding";

export type DigestEncoding = "hex" | "base64" | "base64url";

/** The digest bytes when `value` is exactly `length` bytes in `encoding`; null otherwise. */
export function decodeDigest(value: string, encoding: DigestEncoding, length: number): Uint8Array | null {
  const bytes =
    encoding === "hex"
      ? hexToBytes(value)
      : encoding === "base64"
        ? base64ToBytes(value)
        : base64UrlToBytes(value);
  return bytes?.length === length ? bytes : null;
}

/**
 * The most signature entries one request may list (a rotating sender lists two or three). More is refused
 * before any entry is decoded or checked, so listing thousands of fake entries buys an attacker nothing.
 */
export const MAX_SIGNATURES = 8;

/** What a list parser answers when a header lists more than MAX_SIGNATURES signature entries. */
export const TOO_MANY = "too_many";

export interface SignatureList {
  /** The raw value of the timestamp key, exactly as signed. */
  readonly timestamp: string;
  /** Every well-formed signature entry; a rotating provider sends several. */
  readonly signatures: Uint8Array[];
}

/**
 * Reads a `key=value` list such as `t=1492774577,v1=<hex>,v1=<hex>`: one timestamp key, any number of
 * signature keys (malformed ones and unknown keys are skipped). Null when the timestamp is missing or
 * repeated (which is also what a repeated header looks like once joined), or when no signature is
 * well-formed; TOO_MANY past MAX_SIGNATURES entries. Example: `signatureList(h, ";", "ts", "h1", "hex", 32)`.
 */
export function signatureList(
  header: string,
  separator: string,
  timestampKey: string,
  signatureKey: string,
  encoding: DigestEncoding,
  length: number,
): SignatureList | typeof TOO_MANY | null {
  const timestamps: string[] = [];
  const signatures: Uint8Array[] = [];
  let entries = 0;
  for (const part of header.split(separator)) {
    const at = part.indexOf("=");
    if (at < 1) continue;
    const key = part.slice(0, at).trim();
    const value = part.slice(at + 1).trim();
    if (key === timestampKey) timestamps.push(value);
    if (key === signatureKey) {
      if (++entries > MAX_SIGNATURES) return TOO_MANY;
      const digest = decodeDigest(value, encoding, length);
      if (digest) signatures.push(digest);
    }
  }
  const [timestamp] = timestamps;
  return timestamps.length === 1 && timestamp && signatures.length > 0 ? { timestamp, signatures } : null;
}

/**
 * Every well-formed `<key>=<digest>` entry of a list with no timestamp (PagerDuty's `v1=…,v1=…`);
 * TOO_MANY past MAX_SIGNATURES entries.
 */
export function digestEntries(
  header: string,
  separator: string,
  key: string,
  encoding: DigestEncoding,
  length: number,
): Uint8Array[] | typeof TOO_MANY {
  const parts = header.split(separator);
  if (parts.length > MAX_SIGNATURES) return TOO_MANY;
  const digests: Uint8Array[] = [];
  for (const part of parts) {
    const entry = part.trim();
    const digest = entry.startsWith(`${key}=`)
      ? decodeDigest(entry.slice(key.length + 1), encoding, length)
      : null;
    if (digest) digests.push(digest);
  }
  return digests;
}
