/**
 * Turns a URL source name into its provider and decoded secrets. A source whose secret is unset, or
 * not in the provider's format, resolves to null: it never accepts events (fail closed).
 */

import { providerOf, type SourceConfig } from "../config/define-sources";
import { IP_PRESETS } from "../config/ip-presets";
import { sourcesFor } from "../config/sources-from-env";
import type { Provider } from "../providers/provider";
import { type CidrRange, parseCidr } from "../shared/ip-ranges";
import { logError } from "../shared/log";
import type { SecretBytes } from "../verify/hmac";

export interface ResolvedSource {
  readonly config: SourceConfig;
  readonly provider: Provider;
  readonly secrets: readonly SecretBytes[];
  readonly toleranceSeconds: number;
  /** Null when any client may call; otherwise only these ranges (empty: nobody). */
  readonly allowedRanges: readonly CidrRange[] | null;
  /** Overrides the URL signatures are computed over (see `publicUrl` in define-sources.ts). */
  readonly publicUrl?: string;
  readonly publicBaseUrl?: string;
}

const DEFAULT_TOLERANCE_SECONDS = 300;
const resolvedByEnv = new WeakMap<object, Map<string, ResolvedSource | null>>();

function readVar(env: object, name: string): string | undefined {
  const value: unknown = Reflect.get(env, name);
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** Expands `@presets` and parses CIDRs; a malformed entry is logged and matches nothing (fail closed). */
function allowedRanges(config: SourceConfig, env: object): CidrRange[] | null {
  const fromEnv = readVar(env, `${config.envPrefix}_ALLOWED_IPS`)
    ?.split(/[\s,]+/)
    .filter(Boolean);
  const entries = fromEnv ?? config.allowedIps;
  if (!entries) return null;
  const ranges: CidrRange[] = [];
  for (const entry of entries) {
    const expanded: readonly string[] =
      entry in IP_PRESETS ? IP_PRESETS[entry as keyof typeof IP_PRESETS].ranges : [entry];
    for (const cidr of expanded) {
      const range = parseCidr(cidr);
      if (range) ranges.push(range);
      else
        logError("config", { source: config.name, reason: "invalid_allowed_ip", entry: cidr.slice(0, 64) });
    }
  }
  return ranges;
}

function resolve(config: SourceConfig, env: object): ResolvedSource | null {
  const provider = providerOf(config);
  const toleranceSeconds =
    config.toleranceSeconds ?? provider.defaultToleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const network = {
    allowedRanges: allowedRanges(config, env),
    publicUrl: config.publicUrl,
    publicBaseUrl: readVar(env, "PUBLIC_BASE_URL"),
  };
  if (config.dangerouslyAcceptUnsignedRequests) {
    return { config, provider, secrets: [], toleranceSeconds, ...network };
  }
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
  return { config, provider, secrets, toleranceSeconds, ...network };
}

/** Resolved once per isolate and environment; secrets are decoded (and later imported) only once. */
export function resolveSource(name: string, env: object): ResolvedSource | null {
  const config = sourcesFor(env).sources.get(name);
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

/**
 * Why `resolveSource` found nothing, in words an operator can act on (for the ingress log line):
 * `unknown_source`, or `source_not_configured: set GITHUB_OPS_WEBHOOK_SECRET` when the source exists but
 * its variable is unset (or not in the provider's format). The client only ever sees a 404.
 */
export function whyUnresolved(name: string, env: object): string {
  const config = sourcesFor(env).sources.get(name);
  if (!config) return "unknown_source";
  if (readVar(env, config.secretVar) === undefined) return `source_not_configured: set ${config.secretVar}`;
  return `source_not_configured: ${config.secretVar} is not in the ${config.provider} format`;
}

/**
 * The URL the provider called, for schemes that sign it. Inside Workers `request.url` already is the
 * public URL Cloudflare received; behind another proxy set `PUBLIC_BASE_URL` or the source's `publicUrl`.
 */
export function signedUrlOf(source: ResolvedSource, requestUrl: string): string {
  const { pathname, search } = new URL(requestUrl);
  // Twilio signs query parameters too (`bodySHA256`): keep the request's query unless publicUrl has one.
  if (source.publicUrl)
    return source.publicUrl.includes("?") ? source.publicUrl : `${source.publicUrl}${search}`;
  if (!source.publicBaseUrl) return requestUrl;

  return `${source.publicBaseUrl.replace(/\/+$/, "")}${pathname}${search}`;
}
