/** Spreads claims over `CLAIM_SHARDS` ledger instances: FNV-1a of `source:id`, modulo the shard count. */

export function shardForEvent(source: string, eventId: string, shards: number): number {
  let hash = 0x811c9dc5;
  const key = `${source}:${eventId}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

export function ledgerFor(env: Env, shard: number) {
  return env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(`shard-${shard}`));
}
