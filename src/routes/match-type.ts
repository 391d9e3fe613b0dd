/** Event-type globs (`issues.*`, `invoice.*.failed`, `*`) for routes and code handlers: one matcher for both. */

/**
 * A predicate for one type pattern: exact (`issues.opened`), or a glob where each `*` matches any run of
 * characters, dots included (`issues.*` matches `issues.opened` and `issues.label.added`).
 * Matched without regular expressions, in time linear in the type's length, whatever the pattern.
 */
export function typeGlob(pattern: string): (type: string) => boolean {
  if (pattern === "*") return () => true;
  const parts = pattern.split("*");
  if (parts.length === 1) return (type) => type === pattern;
  const first = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  const middle = parts.slice(1, -1).filter((part) => part !== "");
  return (type) => {
    if (type.length < first.length + last.length) return false;
    if (!type.startsWith(first) || !type.endsWith(last)) return false;
    const end = type.length - last.length;
    let position = first.length;
    for (const part of middle) {
      const found = type.indexOf(part, position);
      if (found === -1 || found + part.length > end) return false;
      position = found + part.length;
    }
    return true;
  };
}

/**
 * Whether a route's `types` admit an event type: some pattern matches it. A route without `types`
 * (`undefined`) receives every type; an empty list admits none.
 */
export function matchesType(patterns: readonly string[] | undefined, type: string): boolean {
  if (patterns === undefined) return true;
  return patterns.some((pattern) => typeGlob(pattern)(type));
}
