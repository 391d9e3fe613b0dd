/** Reading untrusted JSON safely: a key's own data value only, never an inherited one, never a getter. */

/** A key's own data value, or `undefined` where there is none (arrays and non-objects have no keys here). */
export function ownValue(value: unknown, key: string): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return Object.getOwnPropertyDescriptor(value, key)?.value;
}
