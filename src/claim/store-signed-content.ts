/**
 * The ledger side of signed-content claims (see claim-signed-content.ts): one transaction that forgets
 * claims past retention and records which event id first brought a signed content.
 */
import type { AcceptOutcome, SignedContentClaim } from "./ledger-rpc";
import * as SQL from "./ledger-sql";

/** "accepted" when the content is new or already belongs to this id (a provider's retry), else "duplicate". */
export function storeSignedContent(
  storage: DurableObjectStorage,
  claim: SignedContentClaim,
  retentionMs: number,
): AcceptOutcome {
  return storage.transactionSync(() => {
    storage.sql.exec(SQL.FORGET_SIGNED_CONTENTS, claim.claimedAt - retentionMs);
    const holder = storage.sql
      .exec<{ event_id: string }>(
        SQL.CLAIM_SIGNED_CONTENT,
        claim.source,
        claim.digest,
        claim.id,
        claim.claimedAt,
      )
      .one().event_id;
    return holder === claim.id ? "accepted" : "duplicate";
  });
}
