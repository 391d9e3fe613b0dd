import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const columnsOf = (sql: SqlStorage) =>
  sql
    .exec<{ name: string }>("SELECT name FROM pragma_table_info('events')")
    .toArray()
    .map((row) => row.name);

describe("ledgers created by an older release", () => {
  it("get the verified_with column when they start, and keep their events", async () => {
    const ledger = env.EVENT_LEDGER.get(env.EVENT_LEDGER.idFromName(`old-ledger-${crypto.randomUUID()}`));
    await runInDurableObject(ledger, (_instance, state) => {
      // What an older ledger looks like: an event stored, and no verified_with column.
      state.storage.sql.exec("ALTER TABLE events DROP COLUMN verified_with");
      state.storage.sql.exec(
        "INSERT INTO events (source, event_id, type, received_at, headers, body_size, shard) VALUES ('github', 'old', 'push', 1, '{}', 0, 0)",
      );
      expect(columnsOf(state.storage.sql)).not.toContain("verified_with");
    });
    await evictDurableObject(ledger);
    await runInDurableObject(ledger, (_instance, state) => {
      expect(columnsOf(state.storage.sql)).toContain("verified_with");
      expect(state.storage.sql.exec("SELECT event_id, verified_with FROM events").toArray()).toEqual([
        { event_id: "old", verified_with: null },
      ]);
    });
    await evictDurableObject(ledger);
    await runInDurableObject(ledger, (_instance, state) => {
      expect(columnsOf(state.storage.sql).filter((name) => name === "verified_with")).toHaveLength(1);
    });
  });
});
