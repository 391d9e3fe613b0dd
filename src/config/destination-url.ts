/** Which URLs Hookgate may POST to (agents, route destinations, alerts): one rule for every outbound call. */

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https anywhere; plain http only to loopback (local development); never credentials in the URL. */
export function isAllowedDestinationUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.username || url.password) return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname));
}
