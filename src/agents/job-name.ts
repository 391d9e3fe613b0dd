/** The job names a tracker URL may carry: what `payload.job_id` holds, in a URL path segment as is. */
import { z } from "zod";
import type { JobTracker } from "./job-tracker";

/** Letters, digits and `_ . : -`, at most 512: ids such as `job_42` or a UUID, never needing escapes. */
export const JobName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,511}$/, "a job id: letters, digits and _ . : - (at most 512)");

/** The tracker's binding name; the SDK serves it at `/agents/job-tracker/:name`. */
export const JOB_TRACKER_BINDING = "JOB_TRACKER";

function isTrackerNamespace(value: unknown): value is DurableObjectNamespace<JobTracker> {
  return typeof value === "object" && value !== null && "idFromName" in value;
}

/**
 * The tracker namespace of this environment (the class lives in the `hookgate-jobs` Worker, so the
 * generated `Env` cannot type it), or null when `JOB_TRACKER` is not bound.
 */
export function jobTrackerNamespace(env: Env): DurableObjectNamespace<JobTracker> | null {
  const namespace: unknown = Reflect.get(env, JOB_TRACKER_BINDING);
  return isTrackerNamespace(namespace) ? namespace : null;
}
