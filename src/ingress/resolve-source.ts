/**
 * Turns a URL source name into its provider and decoded secrets. A source whose secret is unset, or
 * not in the provider's format, resolves to null: it never accepts events (fail closed).
 */

import type { SourceConfig } from "../config/define-sources";
import { sources } from "../config/sources";
import { providers } from "../providers";
import type { Provider } from "../providers/provider";
import { logError } from "../shared/log";
import type { SecretBytes } from "../verify/hmac";

export interface ResolvedSource {
  readonly config: SourceConfig;
  readonly provider: Provider;
  readonly secrets: readonly SecretBytes[];
  readonly toleranceSeconds: number;
}

const DEFAULT_TOLERANCE_SECONDS = 300;
const resolvedByEnv = new WeakMap<object, Map<string, ResolvedSource | null>>();

function readVar(env: object, name: string): string | undefined {
  const value: unknown = Reflect.get(env, name);
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function resolve(config: SourceConfig, env: object): ResolvedSource | null {
  const provider = providers[config.provider];
  const current = readVar(env, config.secretVar);
  if (current === undefined) return null;
  const previous = readVar(env, `${config.secretVar}_PREVIOUS`);
  const secrets: SecretBytes[] = [];
  for (const [variable, value] of [
    [config.secretVar, current],
    [`${config.secretVar}_PREVIOUS`, previous],
  ] as const) {
    if (value === undefined) continue;
    const decoded = provider.decodeSecret(value);
    if (decoded === null) {
      logError("config", { source: config.name, reason: "secret_not_in_provider_format", variable });
      if (variable === config.secretVar) return null;
      continue;
    }
    secrets.push(decoded);
  }
  const toleranceSeconds =
    config.toleranceSeconds ?? provider.defaultToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  return { config, provider, secrets, toleranceSeconds };
}

/** Resolved once per isolate and environment; secrets are decoded (and later imported) only once. */
export function resolveSource(name: string, env: object): ResolvedSource | null {
  const config = sources.get(name);
  if (!config) return null;
  let cache = resolvedByEnv.get(env);
  if (!cache) {
    cache = new Map();
    resolvedByEnv.set(env, cache);
  }
  let resolved = cache.get(name);
  if (resolved === undefined) {
    resolved = resolve(config, env);
    cache.set(name, resolved);
  }
  return resolved;
}
