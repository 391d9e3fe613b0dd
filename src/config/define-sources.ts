/** Validates the source list once, at module load: a typo in config fails the deploy, not a webhook. */
import { z } from "zod";
import { providerNames } from "../providers";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** GitHub caps payloads at 25 MB; nothing a provider sends needs more. */
export const MAX_BODY_BYTES_LIMIT = 25 * 1024 * 1024;

const SourceConfig = z.strictObject({
  /** URL segment: lowercase letters, digits, `-` and `_`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
  provider: z.enum(providerNames),
  /** Environment variable holding the secret; `<secretVar>_PREVIOUS` is accepted too. */
  secretVar: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  maxBodyBytes: z.number().int().positive().max(MAX_BODY_BYTES_LIMIT).default(DEFAULT_MAX_BODY_BYTES),
  /** Overrides the provider's documented timestamp tolerance. */
  toleranceSeconds: z.number().int().positive().max(86_400).optional(),
});

export type SourceConfig = z.infer<typeof SourceConfig>;

export function defineSources(list: z.input<typeof SourceConfig>[]): ReadonlyMap<string, SourceConfig> {
  const parsed = z
    .array(SourceConfig)
    .refine((all) => new Set(all.map((s) => s.name)).size === all.length, "source names must be unique")
    .parse(list);
  return new Map(parsed.map((source) => [source.name, source]));
}
