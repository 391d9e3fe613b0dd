/** zod schemas of the job tracker's admin endpoints (job-tracker-api.ts), also used by the OpenAPI document. */
import { z } from "zod";
import { JobName } from "../agents/job-name";
import { MAX_READ_TOKEN_SECONDS } from "../agents/job-read-token";

export const JobParams = z.strictObject({ name: JobName });

/** The optional body of `POST …/token`: how long the token lasts (default 900 s). */
export const ReadTokenRequest = z.strictObject({
  ttlSeconds: z.number().int().min(1).max(MAX_READ_TOKEN_SECONDS).optional(),
});

export const ReadTokenView = z.object({
  token: z.string(),
  expires_at: z.string(),
  /** The job page (local development) with the token. */
  watch_url: z.string(),
  /** The WebSocket the SDK client connects to, with the token. */
  socket_path: z.string(),
});
