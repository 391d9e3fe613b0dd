/** Claims an event in its ledger shard. Returns null when the ledger could not make it durable. */
import { settingsFrom } from "../config/settings";
import { callFaults } from "../shared/fault-injection";
import { describeError, logError } from "../shared/log";
import type { AcceptInput, AcceptOutcome } from "./ledger-rpc";
import { ledgerFor, shardForEvent } from "./shard-for-event";

export async function claimEvent(env: Env, event: Omit<AcceptInput, "shard">): Promise<AcceptOutcome | null> {
  const shard = shardForEvent(event.source, event.id, settingsFrom(env).CLAIM_SHARDS);
  try {
    if (callFaults(env)?.ledgerUnavailable) throw new Error("injected fault: ledger unavailable");
    return await ledgerFor(env, shard).accept({ ...event, shard });
  } catch (error) {
    logError("claim", {
      source: event.source,
      id: event.id,
      shard,
      outcome: "unavailable",
      error: describeError(error),
    });
    return null;
  }
}
