/**
 * One consumer batch's Agent stubs: `getAgentByName` costs two round trips (an initialisation call, then
 * the method), so a batch that reaches the same instance many times pays the first only once. The cache
 * lives in an AsyncLocalStorage scope opened per batch, never across requests: a stub belongs to the
 * request that made it, and a stub that threw must be replaced, so a failed entry is dropped.
 */
import { AsyncLocalStorage } from "node:async_hooks";

/** A stub is only read with `Reflect`, so its type does not matter here. */
type StubPromise = Promise<object>;

const batchStubs = new AsyncLocalStorage<Map<string, StubPromise>>();

/** Runs `deliver` (one consumer batch) with its own stub cache. */
export function withAgentStubCache<T>(deliver: () => Promise<T>): Promise<T> {
  return batchStubs.run(new Map(), deliver);
}

/**
 * The stub `open` makes for `key` (`binding\0name`), made once per batch; outside a batch, made every time.
 * `forget` drops it after a failed call, so the next delivery gets a fresh stub.
 */
export function cachedAgentStub(key: string, open: () => StubPromise): StubPromise {
  const stubs = batchStubs.getStore();
  if (!stubs) return open();
  let stub = stubs.get(key);
  if (!stub) {
    stub = open();
    stubs.set(key, stub);
    stub.catch(() => forgetAgentStub(key));
  }
  return stub;
}

/** Drops the batch's stub for `key` (it threw, so it cannot be used again). */
export function forgetAgentStub(key: string): void {
  batchStubs.getStore()?.delete(key);
}
