/**
 * JSON text and nesting depth of parsed payloads, for values of any depth: JSON.parse accepts bodies nested
 * tens of thousands of levels deep, but V8's JSON.stringify writes some of them recursively (objects with
 * index keys such as `{"0":…}`) and overflows the stack, and so does structured cloning (RPC).
 */

/** One array or object being written: its members as `[key, value]` (key null in an array). */
interface OpenContainer {
  readonly isArray: boolean;
  readonly members: [string | null, unknown][];
  next: number;
  written: number;
}

/** Arrays and objects without `toJSON` are written member by member; anything else JSON.stringify writes. */
const isContainer = (value: unknown): value is object =>
  Array.isArray(value) ||
  (typeof value === "object" && value !== null && typeof Reflect.get(value, "toJSON") !== "function");

/** JSON.stringify's output for `value`, written with an explicit stack instead of recursion. */
function stringifyWithoutRecursion(value: object): string {
  const out: string[] = [];
  const open: OpenContainer[] = [];
  const enter = (container: object) => {
    const isArray = Array.isArray(container);
    out.push(isArray ? "[" : "{");
    const members: [string | null, unknown][] = Array.isArray(container)
      ? Array.from(container, (item): [null, unknown] => [null, item])
      : Object.entries(container);
    open.push({ isArray, members, next: 0, written: 0 });
  };
  enter(value);
  for (let container = open.at(-1); container !== undefined; container = open.at(-1)) {
    const member = container.members[container.next++];
    if (member === undefined) {
      out.push(container.isArray ? "]" : "}");
      open.pop();
      continue;
    }
    const [key, item] = member;
    const child = isContainer(item) ? item : null;
    const leaf: string | undefined = child === null ? JSON.stringify(item) : "";
    // As JSON.stringify does: a member without JSON (undefined, a function) is left out of an object and
    // written as null in an array.
    if (leaf === undefined && !container.isArray) continue;
    if (container.written++ > 0) out.push(",");
    if (key !== null) out.push(JSON.stringify(key), ":");
    if (child === null) out.push(leaf ?? "null");
    else enter(child);
  }
  return out.join("");
}

/**
 * `JSON.stringify(value)`, byte for byte, for a value of any depth: the native writer first, and when it
 * overflows the stack (RangeError), the same text written without recursion.
 */
export function jsonTextOf(value: object): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return stringifyWithoutRecursion(value);
  }
}

/** True when `value` has arrays or objects nested more than `maxDepth` levels deep; measured without recursion. */
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
