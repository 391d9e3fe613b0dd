/**
 * The forwarder's Ed25519 keys: `AGENT_SIGNING_KEY` (current) and `AGENT_SIGNING_KEY_PREVIOUS` (during a
 * rotation), imported once per isolate and value, for signing `v1a` and for publishing the JWK Set.
 */
import { type Ed25519SigningKey, importWhskSigningKey } from "../verify/ed25519-signing-key";

/** The variable holding the forwarder's `whsk_` key; `<name>_PREVIOUS` holds the one being rotated out. */
export const AGENT_SIGNING_KEY_VAR = "AGENT_SIGNING_KEY";

export interface AgentSigningKeys {
  /** Null when the variable is unset; `invalid` when it is set but not a `whsk_` Ed25519 key. */
  readonly current: Ed25519SigningKey | null | "invalid";
  readonly previous: Ed25519SigningKey | null | "invalid";
}

const imported = new Map<string, Promise<Ed25519SigningKey | null>>();

async function keyFrom(env: Env, name: string): Promise<Ed25519SigningKey | null | "invalid"> {
  const value: unknown = Reflect.get(env, name);
  if (typeof value !== "string" || value.length === 0) return null;
  let key = imported.get(value);
  if (!key) {
    if (imported.size >= 16) imported.clear();
    key = importWhskSigningKey(value);
    imported.set(value, key);
  }
  return (await key) ?? "invalid";
}

/** The keys named by `variable` and `<variable>_PREVIOUS`. */
export async function agentSigningKeys(
  env: Env,
  variable = AGENT_SIGNING_KEY_VAR,
): Promise<AgentSigningKeys> {
  const [current, previous] = await Promise.all([
    keyFrom(env, variable),
    keyFrom(env, `${variable}_PREVIOUS`),
  ]);
  return { current, previous };
}

/** The usable keys, current first. */
export function usableKeys(keys: AgentSigningKeys): Ed25519SigningKey[] {
  return [keys.current, keys.previous].filter((key) => key !== null && key !== "invalid");
}
