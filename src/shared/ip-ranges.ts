/**
 * Per-source IP allowlists: CIDR ranges (IPv4 and IPv6) matched against `CF-Connecting-IP`, which
 * Cloudflare sets to the connecting client's address. Pure and allocation-light: ranges are parsed once.
 */

export interface CidrRange {
  readonly version: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    value = (value << 8n) | BigInt(part);
  }
  return value;
}

function parseIpv6(text: string): bigint | null {
  let address = text;
  let tail: bigint | null = null;
  const lastColon = address.lastIndexOf(":");
  if (address.includes(".") && lastColon >= 0) {
    tail = parseIpv4(address.slice(lastColon + 1));
    if (tail === null) return null;
    address = `${address.slice(0, lastColon)}:0:0`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  }
  return tail === null ? value : (value & ~0xffffffffn) | tail;
}

/** Parses an address into its version and numeric value; IPv4-mapped IPv6 addresses count as IPv4. */
export function parseIp(text: string): { version: 4 | 6; value: bigint } | null {
  const trimmed = text.trim();
  const v4 = parseIpv4(trimmed);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseIpv6(trimmed);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

/** `203.0.113.0/24`, `2001:db8::/32` or a bare address; null when malformed. */
export function parseCidr(text: string): CidrRange | null {
  const [address = "", prefixText, ...extra] = text.trim().split("/");
  if (extra.length > 0) return null;
  const ip = parseIp(address);
  if (!ip) return null;
  const bits = ip.version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (prefix < 0 || prefix > bits) return null;
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
  return { version: ip.version, network: ip.value & mask, prefix };
}

export function ipInRanges(address: string, ranges: readonly CidrRange[]): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  const bits = ip.version === 4 ? 32 : 128;
  return ranges.some((range) => {
    if (range.version !== ip.version) return false;
    const mask = range.prefix === 0 ? 0n : ((1n << BigInt(range.prefix)) - 1n) << BigInt(bits - range.prefix);
    return (ip.value & mask) === range.network;
  });
}
