/**
 * The one way a JSON configuration variable (`HOOKGATE_SOURCES`, `HOOKGATE_ROUTES`) is read: parsed and
 * validated with its zod schema, each mistake reported with its path and logged once, never skipped.
 */
import type { z } from "zod";
import { logError } from "../shared/log";

/** One configuration mistake: where (`HOOKGATE_ROUTES[0].destination.secretVar`) and what is wrong. */
export interface ConfigError {
  readonly path: string;
  readonly message: string;
}

/** At most this many errors are reported per variable: enough to fix it, never a flood. */
export const MAX_REPORTED_ERRORS = 20;

/** `HOOKGATE_ROUTES` + `[0]`, `.destination`: the path an operator reads in `/healthz`. */
export function configPath(root: string, segments: readonly PropertyKey[]): string {
  let path = root;
  for (const segment of segments)
    path += typeof segment === "number" ? `[${segment}]` : `.${String(segment)}`;
  return path;
}

/**
 * Parses the variable `name` of `env` with `schema`. Unset or empty: `{ value: null, errors: [] }`.
 * Not text, not JSON, or not valid: `value` null and each error with its path.
 */
export function readJsonConfigVar<T extends z.ZodType>(
  env: object,
  name: string,
  schema: T,
): { value: z.infer<T> | null; errors: ConfigError[] } {
  const raw: unknown = Reflect.get(env, name);
  if (raw === undefined || raw === "") return { value: null, errors: [] };
  if (typeof raw !== "string")
    return { value: null, errors: [{ path: name, message: "expected a JSON array as text" }] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    const message = `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    return { value: null, errors: [{ path: name, message }] };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { value: parsed.data, errors: [] };
  const errors = parsed.error.issues
    .slice(0, MAX_REPORTED_ERRORS)
    .map((issue) => ({ path: configPath(name, issue.path), message: issue.message }));
  return { value: null, errors };
}

/** Logs each mistake as `misconfigured`: webhooks answer 503 until it is fixed. */
export function logConfigErrors(errors: readonly ConfigError[]): void {
  for (const { path, message } of errors)
    logError("config", {
      outcome: "misconfigured",
      reason: "webhooks answer 503 until fixed",
      path,
      message,
    });
}

/**
 * `parse` run once per isolate and env, its mistakes logged once: the config of an env never changes while
 * the isolate holds it.
 */
export function oncePerEnv<T extends { errors: readonly ConfigError[] }>(
  parse: (env: object) => T,
): (env: object) => T {
  const byEnv = new WeakMap<object, T>();
  return (env) => {
    let parsed = byEnv.get(env);
    if (!parsed) {
      parsed = parse(env);
      byEnv.set(env, parsed);
      logConfigErrors(parsed.errors);
    }
    return parsed;
  };
}
