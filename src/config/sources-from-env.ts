/**
 * Sources configured without code: the `HOOKGATE_SOURCES` variable (a JSON array, in wrangler.toml `[vars]`
 * or .dev.vars), validated by the same schema as sources.ts and merged over it, once per isolate and env.
 * A mistake in it is reported, never skipped: the caller refuses every webhook with 503 until it is fixed.
 */
import { completeSource, type SourceConfig, SourceList } from "./define-sources";
import { type ConfigError, oncePerEnv, readJsonConfigVar } from "./json-config-var";
import { sources as codeSources } from "./sources";

export const SOURCES_VAR = "HOOKGATE_SOURCES";

/** One mistake in `HOOKGATE_SOURCES`: where (`HOOKGATE_SOURCES[0].hmac.id`) and what is wrong. */
export type SourceConfigError = ConfigError;

export interface EffectiveSources {
  /** sources.ts, with `HOOKGATE_SOURCES` entries added or replacing the code source of the same name. */
  readonly sources: ReadonlyMap<string, SourceConfig>;
  /** Empty when the configuration is valid; otherwise no source may accept events. */
  readonly errors: readonly SourceConfigError[];
}

function parse(env: object): EffectiveSources {
  const { value, errors } = readJsonConfigVar(env, SOURCES_VAR, SourceList);
  if (value === null) return { sources: codeSources, errors };
  const merged = new Map(codeSources);
  for (const source of value) merged.set(source.name, completeSource(source));
  return { sources: merged, errors: [] };
}

/**
 * The sources of this environment and the mistakes in `HOOKGATE_SOURCES`, parsed (and each mistake
 * logged) once per isolate and env.
 */
export const sourcesFor: (env: object) => EffectiveSources = oncePerEnv(parse);
