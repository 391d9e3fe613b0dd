import { describe, expect, it } from "vitest";
import { MAX_QUEUE_DELAY_SECONDS, retryDelaySeconds } from "../../src/claim/retry-delay";

const settings = { RETRY_BASE_SECONDS: 5, RETRY_MAX_SECONDS: 3600 };

describe("retry delay", () => {
  it("doubles per attempt, between half and all of the step", () => {
    expect(retryDelaySeconds(1, settings, 0, () => 0)).toBe(3);
    expect(retryDelaySeconds(1, settings, 0, () => 1)).toBe(5);
    expect(retryDelaySeconds(4, settings, 0, () => 0)).toBe(20);
    expect(retryDelaySeconds(4, settings, 0, () => 1)).toBe(40);
  });

  it("is capped by RETRY_MAX_SECONDS and by the queue's 12 hour limit", () => {
    expect(retryDelaySeconds(30, settings, 0, () => 1)).toBe(3600);
    expect(retryDelaySeconds(1, settings, 10 ** 9)).toBe(MAX_QUEUE_DELAY_SECONDS);
  });

  it("never retries sooner than Retry-After asks", () => {
    expect(retryDelaySeconds(1, settings, 90, () => 0)).toBe(90);
  });
});
