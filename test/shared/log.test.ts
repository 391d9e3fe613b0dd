/** Log lines: every one has a timestamp, and no field can make a line large. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { LOG_FIELD_CHARS, log, logError } from "../../src/shared/log";

afterEach(() => vi.restoreAllMocks());

function captured(write: () => void, stream: "log" | "error" = "log"): Record<string, unknown> {
  const lines: string[] = [];
  vi.spyOn(console, stream).mockImplementation((line: unknown) => void lines.push(String(line)));
  write();
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0] ?? "");
}

describe("log lines", () => {
  it("carry an ISO 8601 timestamp and the stage", () => {
    const before = Date.now();
    const line = captured(() => log("ingress", { status: 401, reason: "bad_signature" }));
    expect(line).toMatchObject({ stage: "ingress", status: 401, reason: "bad_signature" });
    expect(Date.parse(String(line.ts))).toBeGreaterThanOrEqual(before - 1000);
    expect(String(line.ts)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("cut a 300 KB field, also when nested, so one input cannot write a 300 KB line", () => {
    const huge = "x".repeat(300_000);
    const raw: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void raw.push(String(line)));
    logError("ingress", { type: huge, reason: { detail: huge, list: [huge] } });
    expect(raw[0]?.length).toBeLessThan(4 * LOG_FIELD_CHARS);
    const line = JSON.parse(raw[0] ?? "");
    expect(line.level).toBe("error");
    expect(line.type).toBe(`${"x".repeat(LOG_FIELD_CHARS)}…`);
    expect(line.reason.detail).toHaveLength(LOG_FIELD_CHARS + 1);
  });
});
