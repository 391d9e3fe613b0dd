/**
 * How deep a payload the admin API serialises: JSON.stringify recurses, so a body of 20,000 nested arrays
 * (40 KB) would overflow the stack wherever a payload is serialised or rendered (depth measured by
 * `nestedDeeperThan`, src/normalize/json-text.ts, without recursion).
 */

/** Payloads nested deeper than this are served by the admin API as their raw text. */
export const MAX_SERIALISED_PAYLOAD_DEPTH = 512;
