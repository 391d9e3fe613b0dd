/** `onceFor` inside a real SQLite Durable Object (the test-only TestJobTracker's storage). */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { onceFor } from "../../src/agents/idempotent";

function freshStorage<T>(use: (storage: DurableObjectStorage) => T): Promise<T> {
  const namespace = Reflect.get(env, "TEST_JOB_TRACKER") as DurableObjectNamespace;
  const stub = namespace.get(namespace.idFromName(`once-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL)");
    state.storage.sql.exec("INSERT INTO counter (n) VALUES (0)");
    return use(state.storage);
  });
}

const bump = (storage: DurableObjectStorage) => () =>
  storage.sql.exec<{ n: number }>("UPDATE counter SET n = n + 1 RETURNING n").one().n;
const counted = (storage: DurableObjectStorage) =>
  storage.sql.exec<{ n: number }>("SELECT n FROM counter").one().n;

describe("onceFor", () => {
  it("applies once per key and returns the value; a second call with the key changes nothing", async () => {
    const results = await freshStorage((storage) => {
      const first = onceFor(storage, "github:1:tracker", bump(storage));
      const again = onceFor(storage, "github:1:tracker", bump(storage));
      const other = onceFor(storage, "github:2:tracker", bump(storage));
      return { first, again, other, n: counted(storage) };
    });
    expect(results).toEqual({
      first: { applied: true, value: 1 },
      again: { applied: false },
      other: { applied: true, value: 2 },
      n: 2,
    });
  });

  it("records nothing when the change throws, so the retry applies it", async () => {
    const results = await freshStorage((storage) => {
      const failing = () => {
        bump(storage)();
        throw new Error("half-way");
      };
      expect(() => onceFor(storage, "k", failing)).toThrow("half-way");
      const afterFailure = counted(storage);
      const retry = onceFor(storage, "k", bump(storage));
      return { afterFailure, retry };
    });
    expect(results).toEqual({ afterFailure: 0, retry: { applied: true, value: 1 } });
  });

  it("refuses an async change, which would commit outside the transaction", async () => {
    const results = await freshStorage((storage) => {
      expect(() => onceFor(storage, "k", async () => {})).toThrow(/synchronous/);
      return onceFor(storage, "k", bump(storage));
    });
    expect(results).toEqual({ applied: true, value: 1 });
  });

  it("forgets keys older than keepDays", async () => {
    const day = 86_400_000;
    const results = await freshStorage((storage) => {
      onceFor(storage, "old", bump(storage), { now: 0 });
      onceFor(storage, "new", bump(storage), { now: 20 * day });
      const replayedOld = onceFor(storage, "old", bump(storage), { now: 31 * day });
      const replayedNew = onceFor(storage, "new", bump(storage), { now: 31 * day });
      return { replayedOld: replayedOld.applied, replayedNew: replayedNew.applied };
    });
    expect(results).toEqual({ replayedOld: true, replayedNew: false });
  });
});
