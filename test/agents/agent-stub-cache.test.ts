/** The consumer batch's Agent stubs: made once per instance within a batch, never shared across batches. */
import { describe, expect, it } from "vitest";
import { cachedAgentStub, forgetAgentStub, withAgentStubCache } from "../../src/handlers/agent-stub-cache";

function counter() {
  let opened = 0;
  return { open: () => Promise.resolve({ n: ++opened }), opened: () => opened };
}

describe("cachedAgentStub", () => {
  it("opens a stub once per key within a batch, and again in the next batch", async () => {
    const stubs = counter();
    const batch = () =>
      withAgentStubCache(async () => {
        const [a, b] = await Promise.all([
          cachedAgentStub("JOB_TRACKER\0job_1", stubs.open),
          cachedAgentStub("JOB_TRACKER\0job_1", stubs.open),
        ]);
        await cachedAgentStub("JOB_TRACKER\0job_2", stubs.open);
        return a === b;
      });
    expect(await batch()).toBe(true);
    expect(stubs.opened()).toBe(2);
    await batch();
    expect(stubs.opened()).toBe(4);
  });

  it("opens a new stub every time outside a batch, and after a stub failed", async () => {
    const stubs = counter();
    await cachedAgentStub("k", stubs.open);
    await cachedAgentStub("k", stubs.open);
    expect(stubs.opened()).toBe(2);
    await withAgentStubCache(async () => {
      await expect(cachedAgentStub("k", () => Promise.reject(new Error("overloaded")))).rejects.toThrow();
      await cachedAgentStub("k", stubs.open);
      forgetAgentStub("k");
      await cachedAgentStub("k", stubs.open);
    });
    expect(stubs.opened()).toBe(4);
  });
});
