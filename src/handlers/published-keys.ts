/**
 * `GET /.well-known/jwks.json`: the forwarder's public keys as a JWK Set, so an agent can verify `v1a`
 * signatures without sharing a secret with the gateway. Lists the `_PREVIOUS` key during a rotation.
 */
import type { Context } from "hono";
import { agentSigningKeys, usableKeys } from "./agent-signing-keys";

/** How long receivers and caches may keep the key set (seconds): a rotation overlap must be longer. */
export const JWKS_MAX_AGE_SECONDS = 300;

/** Serves the JWK Set; `{"keys":[]}` when no key is configured. */
export async function publishedKeys(c: Context): Promise<Response> {
  const keys = usableKeys(await agentSigningKeys(c.env));
  return c.json({ keys: keys.map((key) => key.jwk) }, 200, {
    "cache-control": `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
  });
}
