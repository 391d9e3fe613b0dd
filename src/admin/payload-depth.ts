/**
 * Nesting depth of a parsed payload, measured without recursion: JSON.stringify recurses, so a body of
 * 20,000 nested arrays (40 KB) would overflow the stack wherever a payload is serialised or rendered.
 */

/** Payloads nested deeper than this are served by the admin API as their raw text. */
export const MAX_SERIALISED_PAYLOAD_DEPTH = 512;

/** True when `value` has arrays or objects nested more than `maxDepth` levels deep. */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (typeof node !== "object" || node === null) continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
