/**
 * What a job tracker knows about one job, and the pure fold of an agent platform's callback into it: a
 * terminal status is final, and a late or stale update is kept in the history without changing the job.
 */
import { z } from "zod";

/** The statuses after which a job never changes again, unless `JOB_TRACKER_TERMINAL_STATUSES` says others. */
export const DEFAULT_TERMINAL_STATUSES = ["COMPLETE", "FAILED", "CANCELLED"] as const;

/** History entries kept per job: the newest ones. */
export const MAX_HISTORY = 100;

/** One callback as the tracker read it, applied to the job or only recorded. */
export const JobHistoryEntry = z.object({
  event_id: z.string(),
  status: z.string(),
  progress: z.number().nullable(),
  received_at: z.string(),
  /** `applied`: it changed the job; `after_terminal`: the job had finished; `stale`: lower progress than the job's. */
  outcome: z.enum(["applied", "after_terminal", "stale"]),
});
export type JobHistoryEntry = z.infer<typeof JobHistoryEntry>;

/** The state every connected client receives, and `GET /admin/api/agents/job-tracker/:name/state` returns. */
export const JobState = z.object({
  job_id: z.string().nullable(),
  status: z.string().nullable(),
  /** Percent, 0 to 100, as the platform last reported it (null before any). */
  progress: z.number().nullable(),
  /** When Hookgate received the callback that last changed the job (ISO 8601). */
  updated_at: z.string().nullable(),
  results: z.unknown().optional(),
  history: z.array(JobHistoryEntry),
});
export type JobState = z.infer<typeof JobState>;

export const EMPTY_JOB: JobState = {
  job_id: null,
  status: null,
  progress: null,
  updated_at: null,
  history: [],
};

/** The payload of an agent platform's job callback; other fields are ignored. */
export const JobCallback = z.object({
  job_id: z.union([z.string().min(1).max(512), z.number().finite()]).transform(String),
  status: z.string().min(1).max(128),
  progress: z.number().finite().min(0).max(100).optional(),
  results: z.unknown().optional(),
});
export type JobCallback = z.infer<typeof JobCallback>;

/** Where a callback came from: the envelope's event id and the time Hookgate received it. */
export interface CallbackOrigin {
  readonly eventId: string;
  readonly receivedAt: string;
}

/** `"COMPLETE, failed"` → `{"COMPLETE", "FAILED"}`; unset or empty: the defaults. Compared without case. */
export function terminalStatusesFrom(value: unknown): ReadonlySet<string> {
  const names =
    typeof value === "string"
      ? value
          .split(",")
          .map((name) => name.trim().toUpperCase())
          .filter((name) => name.length > 0)
      : [];
  return new Set(names.length > 0 ? names : DEFAULT_TERMINAL_STATUSES);
}

/**
 * The job after `callback`. Once the job's status is terminal, nothing changes it: a late update is only
 * recorded (`after_terminal`). A non-terminal update whose progress is below the job's is recorded as
 * `stale`. Anything else sets the status, the progress (kept when the callback has none), `updated_at`
 * and, when present, `results`. The history keeps the newest `MAX_HISTORY` entries.
 */
export function foldJobCallback(
  job: JobState,
  callback: JobCallback,
  origin: CallbackOrigin,
  terminal: ReadonlySet<string>,
): JobState {
  const isTerminal = (status: string | null) => status !== null && terminal.has(status.toUpperCase());
  const stale =
    !isTerminal(callback.status) &&
    callback.progress !== undefined &&
    job.progress !== null &&
    callback.progress < job.progress;
  const outcome = isTerminal(job.status) ? "after_terminal" : stale ? "stale" : "applied";
  const entry: JobHistoryEntry = {
    event_id: origin.eventId,
    status: callback.status,
    progress: callback.progress ?? null,
    received_at: origin.receivedAt,
    outcome,
  };
  const history = [...job.history, entry].slice(-MAX_HISTORY);
  if (outcome !== "applied") return { ...job, history };
  return {
    ...job,
    job_id: callback.job_id,
    status: callback.status,
    progress: callback.progress ?? job.progress,
    updated_at: origin.receivedAt,
    ...(callback.results === undefined ? {} : { results: callback.results }),
    history,
  };
}
