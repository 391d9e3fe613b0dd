/**
 * The one schema for sources, whether written in sources.ts (validated at module load: a typo fails the
 * deploy) or in `HOOKGATE_SOURCES` (validated once per env: see sources-from-env.ts).
 */
import { z } from "zod";
import { type ProviderName, providerNames, providers } from "../providers";
import { hmacProvider } from "../providers/hmac";
import type { Provider } from "../providers/provider";
import { parseCidr } from "../shared/ip-ranges";
import { HmacSchemeInput } from "./hmac-scheme";
import { IP_PRESETS } from "./ip-presets";
import { SuppressRules } from "./suppression-presets";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** GitHub caps payloads at 25 MB; nothing a provider sends needs more. */
export const MAX_BODY_BYTES_LIMIT = 25 * 1024 * 1024;

const AllowedIp = z
  .string()
  .refine(
    (entry) => entry in IP_PRESETS || parseCidr(entry) !== null,
    "expected a CIDR, an address or an @preset",
  );

/** Every preset, plus `hmac`: a sender described by the source's `hmac` block. */
const SourceProvider = z.enum([...providerNames, "hmac"]);

/** One source, from sources.ts or from `HOOKGATE_SOURCES` (src/config/sources-from-env.ts). */
export const SourceInput = z
  .strictObject({
    /** URL segment: lowercase letters, digits, `-` and `_`. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
    provider: SourceProvider,
    /** Variable holding the secret or public key; `<secretVar>_PREVIOUS` is accepted too. Default: see `defaultKeyVar`. */
    secretVar: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]*$/)
      .optional(),
    maxBodyBytes: z.number().int().positive().max(MAX_BODY_BYTES_LIMIT).default(DEFAULT_MAX_BODY_BYTES),
    /** Overrides the provider's documented timestamp tolerance. */
    toleranceSeconds: z.number().int().positive().max(86_400).optional(),
    /** CIDRs, addresses or `@presets`; when set, any other client gets 403. `<NAME>_ALLOWED_IPS` overrides it. */
    allowedIps: z.array(AllowedIp).optional(),
    /**
     * The URL the provider signs (Twilio, HubSpot, Square sign the URL they call). Defaults to
     * `PUBLIC_BASE_URL` + path when that is set, else the URL the Worker sees.
     */
    publicUrl: z.url().optional(),
    /** The only way to accept unverified requests: required by, and only allowed with, provider `unsigned`. */
    dangerouslyAcceptUnsignedRequests: z.boolean().default(false),
    /** Required by, and only allowed with, provider `hmac`: see src/config/hmac-scheme.ts. */
    hmac: HmacSchemeInput.optional(),
    /** Loop breakers: events matching a rule are claimed but not delivered, and end as `suppressed`. */
    suppress: SuppressRules.default([]),
  })
  .refine((source) => (source.provider === "unsigned") === source.dangerouslyAcceptUnsignedRequests, {
    message: "provider `unsigned` needs dangerouslyAcceptUnsignedRequests: true, and nothing else may set it",
  })
  .refine((source) => (source.provider === "hmac") === (source.hmac !== undefined), {
    message:
      "provider `hmac` needs an `hmac` block (header, algorithm, encoding, …), and no other provider takes one",
    path: ["hmac"],
  });

export type SourceConfig = Omit<z.infer<typeof SourceInput>, "secretVar"> & {
  secretVar: string;
  envPrefix: string;
};

/** `github-ops` → `GITHUB_OPS`: the prefix of a source's variables. */
export const envPrefixOf = (name: string) => name.toUpperCase().replace(/-/g, "_");

/** `<NAME>_WEBHOOK_SECRET` for shared secrets, `<NAME>_PUBLIC_KEY` for providers that sign with a key pair. */
export function defaultKeyVar(name: string, provider: ProviderName | "hmac"): string {
  const kind = provider === "hmac" ? "secret" : (providers[provider].keyKind ?? "secret");
  return `${envPrefixOf(name)}_${kind === "publicKey" ? "PUBLIC_KEY" : "WEBHOOK_SECRET"}`;
}

/** Source lists, as sources.ts and `HOOKGATE_SOURCES` write them: names are unique within a list. */
export const SourceList = z
  .array(SourceInput)
  .refine((all) => new Set(all.map((s) => s.name)).size === all.length, "source names must be unique");

/** A validated source with its defaults filled in. */
export function completeSource(source: z.infer<typeof SourceInput>): SourceConfig {
  return {
    ...source,
    secretVar: source.secretVar ?? defaultKeyVar(source.name, source.provider),
    envPrefix: envPrefixOf(source.name),
  };
}

/** Validates sources.ts's list; throws (failing the deploy) on any mistake. */
export function defineSources(list: z.input<typeof SourceInput>[]): ReadonlyMap<string, SourceConfig> {
  return new Map(SourceList.parse(list).map((source) => [source.name, completeSource(source)]));
}

const hmacProviders = new WeakMap<SourceConfig, Provider>();

/** The provider that verifies and identifies a source's requests: its preset, or its own `hmac` scheme. */
export function providerOf(config: SourceConfig): Provider {
  if (config.provider !== "hmac") return providers[config.provider];
  let provider = hmacProviders.get(config);
  if (!provider) {
    // SourceInput requires the `hmac` block with provider `hmac`. Were it missing, no secret would decode,
    // so the source would never resolve (fail closed).
    provider = config.hmac ? hmacProvider(config.hmac) : { ...providers.generic, decodeSecret: () => null };
    hmacProviders.set(config, provider);
  }
  return provider;
}
