/** The request headers Hookgate keeps with an event: all of them but those that carry credentials. */

/** Headers never stored or handed on: they carry credentials, not event data. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

/**
 * The request's headers (lower-case names) minus credentials. Built with `Object.fromEntries`, which
 * defines own properties: `kept[name] = value` would set the object's prototype for a `__proto__` header
 * and lose it.
 */
export function storableHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => !CREDENTIAL_HEADERS.has(name)));
}
