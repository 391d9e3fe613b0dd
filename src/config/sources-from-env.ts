/**
 * Sources configured without code: the `HOOKGATE_SOURCES` variable (a JSON array, in wrangler.toml `[vars]`
 * or .dev.vars), validated by the same schema as sources.ts and merged over it, once per isolate and env.
 * A mistake in it is reported, never skipped: the caller refuses every webhook with 503 until it is fixed.
 */
import { logError } from "../shared/log";
import { completeSource, type SourceConfig, SourceList } from "./define-sources";
import { sources as codeSources } from "./sources";

export const SOURCES_VAR = "HOOKGATE_SOURCES";

/** One mistake in `HOOKGATE_SOURCES`: where (`HOOKGATE_SOURCES[0].hmac.id`) and what is wrong. */
export interface SourceConfigError {
  readonly path: string;
  readonly message: string;
}

export interface EffectiveSources {
  /** sources.ts, with `HOOKGATE_SOURCES` entries added or replacing the code source of the same name. */
  readonly sources: ReadonlyMap<string, SourceConfig>;
  /** Empty when the configuration is valid; otherwise no source may accept events. */
  readonly errors: readonly SourceConfigError[];
}

const MAX_REPORTED_ERRORS = 20;
const byEnv = new WeakMap<object, EffectiveSources>();

function pathOf(segments: readonly PropertyKey[]): string {
  let path = SOURCES_VAR;
  for (const segment of segments)
    path += typeof segment === "number" ? `[${segment}]` : `.${String(segment)}`;
  return path;
}

function parse(raw: unknown): EffectiveSources {
  if (raw === undefined || raw === "") return { sources: codeSources, errors: [] };
  if (typeof raw !== "string")
    return {
      sources: codeSources,
      errors: [{ path: SOURCES_VAR, message: "expected a JSON array as text" }],
    };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    const message = `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    return { sources: codeSources, errors: [{ path: SOURCES_VAR, message }] };
  }
  const parsed = SourceList.safeParse(json);
  if (!parsed.success) {
    const errors = parsed.error.issues
      .slice(0, MAX_REPORTED_ERRORS)
      .map((issue) => ({ path: pathOf(issue.path), message: issue.message }));
    return { sources: codeSources, errors };
  }
  const merged = new Map(codeSources);
  for (const source of parsed.data) merged.set(source.name, completeSource(source));
  return { sources: merged, errors: [] };
}

/**
 * The sources of this environment and the mistakes in `HOOKGATE_SOURCES`, parsed (and each mistake
 * logged) once per isolate and env.
 */
export function sourcesFor(env: object): EffectiveSources {
  let effective = byEnv.get(env);
  if (!effective) {
    effective = parse(Reflect.get(env, SOURCES_VAR));
    byEnv.set(env, effective);
    for (const { path, message } of effective.errors)
      logError("config", {
        outcome: "misconfigured",
        reason: "webhooks answer 503 until fixed",
        path,
        message,
      });
  }
  return effective;
}
