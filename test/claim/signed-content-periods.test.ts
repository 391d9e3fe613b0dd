/**
 * The ledger's signed-content claims (src/claim/store-signed-content.ts) in real Durable Object SQLite: a
 * period's table that a failed claim's savepoint rolled back is not counted on afterwards.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { SignedContents } from "../../src/claim/store-signed-content";

const RETENTION = 7 * 86_400_000;
const digest = (n: number) => n.toString(16).padStart(64, "0");

it("claims again after a failed claim rolled back the period's new table", async () => {
  const stub = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(`signed-periods-${crypto.randomUUID()}`));
  const outcomes = await runInDurableObject(stub, (_i, state) => {
    let failInsert = true;
    // The claim's INSERT fails once (as a full disk would), after the period's table was created.
    const exec = ((query: string, ...params: SqlStorageValue[]) => {
      if (failInsert && query.startsWith("INSERT")) {
        failInsert = false;
        throw new Error("injected: insert failed");
      }
      return state.storage.sql.exec(query, ...params);
    }) as SqlStorage["exec"];
    const contents = new SignedContents({ ...state.storage.sql, exec } as SqlStorage);
    // A period no other claim used: its table does not exist yet.
    const claimedAt = Date.now() + 100 * RETENTION;
    const claim = (n: number, id: string) => () =>
      contents.claim({ source: "github", digest: digest(n), id, claimedAt }, RETENTION);
    let first: string;
    try {
      first = state.storage.transactionSync(claim(1, "a"));
    } catch (error) {
      first = error instanceof Error ? error.message : String(error);
    }
    return {
      first,
      second: state.storage.transactionSync(claim(1, "a")),
      again: state.storage.transactionSync(claim(1, "b")),
    };
  });
  expect(outcomes).toEqual({ first: "injected: insert failed", second: "accepted", again: "duplicate" });
});
