/** Turns a preset's declared `untrustedPaths` into the concrete paths an event's payload really holds. */
import { ownValue } from "../shared/own-value";

/** At most this many concrete paths per event: a payload with huge arrays cannot make the envelope huge. */
export const MAX_UNTRUSTED_PATHS = 200;

/** `payload.commits[].message` → `["payload", "commits", "[]", "message"]`: keys, with `[]` for "each element". */
function stepsOf(declared: string): string[] {
  return declared.split(".").flatMap((segment) => {
    const key = segment.replace(/(\[\])+$/, "");
    const elements = Array.from({ length: (segment.length - key.length) / 2 }, () => "[]");
    return key === "" ? elements : [key, ...elements];
  });
}

/**
 * The concrete paths (array elements as indexes: `payload.commits.0.message`) of `declared` paths that hold
 * a value other than null in `root` (`{ payload }`), in declaration order, deduplicated, at most `limit`.
 * @example presentUntrustedPaths({ payload: { commits: [{ message: "x" }] } }, ["payload.commits[].message"])
 * // → ["payload.commits.0.message"]
 */
export function presentUntrustedPaths(
  root: { readonly payload: unknown },
  declared: readonly string[],
  limit = MAX_UNTRUSTED_PATHS,
): string[] {
  const found = new Set<string>();
  for (const path of declared) {
    let frontier: [value: unknown, path: string][] = [[root, ""]];
    for (const step of stepsOf(path)) {
      frontier =
        step === "[]"
          ? frontier.flatMap(([value, at]) =>
              Array.isArray(value)
                ? value
                    .slice(0, limit)
                    .map((element, index): [unknown, string] => [element, `${at}.${index}`])
                : [],
            )
          : frontier.map(([value, at]): [unknown, string] => [
              ownValue(value, step),
              at ? `${at}.${step}` : step,
            ]);
      frontier = frontier.filter(([value]) => value !== undefined && value !== null).slice(0, limit);
    }
    for (const [, at] of frontier) {
      if (found.size >= limit) return [...found];
      found.add(at);
    }
  }
  return [...found];
}

/** The value at a concrete path such as `payload.commits.0.message`, or `undefined` where there is none. */
export function valueAtPath(root: { readonly payload: unknown }, path: string): unknown {
  let value: unknown = root;
  for (const step of path.split(".")) {
    if (Array.isArray(value) && /^(0|[1-9]\d*)$/.test(step)) value = value[Number(step)];
    else value = ownValue(value, step);
    if (value === undefined) return undefined;
  }
  return value;
}
