/**
 * Claims the signed content of a request for its event id, before the id itself is claimed: for presets
 * whose signature does not cover the event id (GitHub's `X-GitHub-Delivery`, …), so one signed request
 * cannot be accepted twice under two ids. The content is claimed in the shard its digest picks.
 *
 * Not one transaction with the id claim, but ordered and idempotent: once an id holds a content, only
 * that id can be accepted with it, which is exactly what a provider's own retry sends.
 */
import { settingsFrom } from "../config/settings";
import { describeError, logError } from "../shared/log";
import type { AcceptOutcome, SignedContentClaim } from "./ledger-rpc";
import { ledgerFor, shardForEvent } from "./shard-for-event";

/** "accepted" when the id may go on to be claimed, "duplicate" when another id holds the content; null when unavailable. */
export async function claimSignedContent(env: Env, claim: SignedContentClaim): Promise<AcceptOutcome | null> {
  const shard = shardForEvent(claim.source, `signed:${claim.digest}`, settingsFrom(env).CLAIM_SHARDS);
  try {
    return await ledgerFor(env, shard).claimSignedContent(claim);
  } catch (error) {
    logError("claim", { source: claim.source, shard, outcome: "unavailable", error: describeError(error) });
    return null;
  }
}
