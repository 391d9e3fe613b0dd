/**
 * fal.ai's published webhook key set (a JWKS of Ed25519 keys), fetched on demand and cached per isolate for
 * 24 hours, as fal's docs advise. The fetcher is injected, so tests serve a local key set and never touch the
 * network. A failed fetch keeps the keys already held, and the set is fetched at most once per 5 minutes
 * after a failure or when no held key matched (fal may have rotated), so forged requests cannot drive fetches.
 */
import { z } from "zod";
import { base64UrlToBytes } from "../verify/encoding";
import type { PublicKeyBytes } from "../verify/public-key";

/** Fetches a key set URL and returns its parsed JSON; may throw. */
export type KeySetFetcher = (url: string) => Promise<unknown>;

export const KEY_SET_TTL_SECONDS = 24 * 60 * 60;
export const REFETCH_AFTER_SECONDS = 5 * 60;

const KeySet = z.object({ keys: z.array(z.unknown()).max(64) });
const Ed25519Jwk = z.object({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: z.string() });

/** The raw 32-byte Ed25519 keys of a JWKS; anything else in it is skipped. */
export function ed25519KeysOf(json: unknown): PublicKeyBytes[] | null {
  const set = KeySet.safeParse(json);
  if (!set.success) return null;
  return set.data.keys.flatMap((candidate) => {
    const jwk = Ed25519Jwk.safeParse(candidate);
    const key = jwk.success ? base64UrlToBytes(jwk.data.x) : null;
    return key?.length === 32 ? [key] : [];
  });
}

/** The network fetcher used in production. */
export const fetchKeySet: KeySetFetcher = async (url) => {
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`key set ${url} answered ${response.status}`);
  return response.json();
};

interface Held {
  keys: PublicKeyBytes[];
  fetchedAt: number;
  attemptedAt: number;
}

/** A per-isolate cache of key sets by URL; times are the verifier's injected Unix seconds. */
export function keySetCache(fetcher: KeySetFetcher) {
  const held = new Map<string, Held>();

  async function fetchNow(url: string, now: number): Promise<PublicKeyBytes[]> {
    const previous = held.get(url);
    let keys: PublicKeyBytes[] | null = null;
    try {
      keys = ed25519KeysOf(await fetcher(url));
    } catch {
      keys = null;
    }
    if (keys === null) {
      held.set(url, {
        keys: previous?.keys ?? [],
        fetchedAt: previous?.fetchedAt ?? -Infinity,
        attemptedAt: now,
      });
      return previous?.keys ?? [];
    }
    held.set(url, { keys, fetchedAt: now, attemptedAt: now });
    return keys;
  }

  const recentlyAttempted = (entry: Held | undefined, now: number) =>
    entry !== undefined && now - entry.attemptedAt < REFETCH_AFTER_SECONDS;

  return {
    /** The keys at `url`: held ones while under 24 hours old, else fetched (held ones if that fails). */
    keys(url: string, now: number): Promise<PublicKeyBytes[]> {
      const entry = held.get(url);
      if (entry && (now - entry.fetchedAt < KEY_SET_TTL_SECONDS || recentlyAttempted(entry, now)))
        return Promise.resolve(entry.keys);
      return fetchNow(url, now);
    },
    /** When no held key matched: the keys fetched again, or null when a fetch was attempted under 5 minutes ago. */
    refetch(url: string, now: number): Promise<PublicKeyBytes[]> | null {
      return recentlyAttempted(held.get(url), now) ? null : fetchNow(url, now);
    },
  };
}
