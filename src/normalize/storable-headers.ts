/** The request headers Hookgate keeps with an event: all of them but those that carry credentials. */

/** Headers never stored or handed on: they carry credentials, not event data. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

export function storableHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of headers) if (!CREDENTIAL_HEADERS.has(name)) kept[name] = value;
  return kept;
}
