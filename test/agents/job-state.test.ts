/** The job tracker's fold: terminal statuses are final, late and stale callbacks only reach the history. */
import { describe, expect, it } from "vitest";
import {
  EMPTY_JOB,
  foldJobCallback,
  type JobCallback,
  type JobState,
  MAX_HISTORY,
  terminalStatusesFrom,
} from "../../src/agents/job-state";

const TERMINAL = terminalStatusesFrom(undefined);

function play(callbacks: Partial<JobCallback>[], terminal = TERMINAL): JobState {
  return callbacks.reduce<JobState>(
    (job, callback, n) =>
      foldJobCallback(
        job,
        { job_id: "job_1", status: "RUNNING", ...callback },
        { eventId: `e${n}`, receivedAt: `2026-11-30T00:00:0${n}.000Z` },
        terminal,
      ),
    EMPTY_JOB,
  );
}

describe("foldJobCallback", () => {
  it("applies callbacks in order: status, progress, updated_at and results", () => {
    const job = play([
      { status: "QUEUED", progress: 0 },
      { status: "DATA_ENRICHMENT_COMPLETE", progress: 50 },
      { status: "COMPLETE", progress: 100, results: { url: "https://example.com/report" } },
    ]);
    expect(job).toMatchObject({
      job_id: "job_1",
      status: "COMPLETE",
      progress: 100,
      updated_at: "2026-11-30T00:00:02.000Z",
      results: { url: "https://example.com/report" },
    });
    expect(job.history.map((entry) => entry.outcome)).toEqual(["applied", "applied", "applied"]);
  });

  it("never moves back from a terminal status: a late 50% after COMPLETE is only recorded", () => {
    const job = play([
      { status: "QUEUED", progress: 0 },
      { status: "COMPLETE", progress: 100 },
      { status: "DATA_ENRICHMENT_COMPLETE", progress: 50 },
      { status: "QUEUED" },
    ]);
    expect(job).toMatchObject({ status: "COMPLETE", progress: 100, updated_at: "2026-11-30T00:00:01.000Z" });
    expect(job.history.slice(2)).toEqual([
      expect.objectContaining({
        event_id: "e2",
        status: "DATA_ENRICHMENT_COMPLETE",
        progress: 50,
        outcome: "after_terminal",
      }),
      expect.objectContaining({ event_id: "e3", status: "QUEUED", outcome: "after_terminal" }),
    ]);
  });

  it("records a non-terminal callback with lower progress as stale; a terminal one still applies", () => {
    const job = play([{ progress: 60 }, { progress: 40 }, { status: "FAILED", progress: 10 }]);
    expect(job.history.map((entry) => entry.outcome)).toEqual(["applied", "stale", "applied"]);
    expect(job).toMatchObject({ status: "FAILED", progress: 10 });
  });

  it("takes terminal names from configuration, without case", () => {
    const terminal = terminalStatusesFrom(" done , Aborted ");
    expect(play([{ status: "done" }, { status: "RUNNING" }], terminal).status).toBe("done");
    expect(play([{ status: "COMPLETE" }, { status: "RUNNING" }], terminal).status).toBe("RUNNING");
    expect(terminalStatusesFrom(" , ")).toEqual(TERMINAL);
  });

  it("keeps the newest history entries only", () => {
    const job = play(Array.from({ length: MAX_HISTORY + 5 }, (_, n) => ({ progress: n / 2 })));
    expect(job.history).toHaveLength(MAX_HISTORY);
    expect(job.history.at(-1)?.event_id).toBe(`e${MAX_HISTORY + 4}`);
  });
});
