/**
 * `@hono/zod-validator`, with failures rendered as RFC 9457 problems like every other error, and logged
 * with their reason (the field and zod's message, never the value).
 */
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";

export const validate = <Target extends keyof ValidationTargets, Schema extends ZodType>(
  target: Target,
  schema: Schema,
) =>
  zValidator(target, schema, (result, c) => {
    if (!result.success) {
      const issue = result.error.issues[0];
      const reason = issue ? `${issue.path.join(".") || target} ${issue.message}` : "rejected";
      log("admin", {
        outcome: "invalid_request",
        path: new URL(c.req.url).pathname.slice(0, 200),
        reason: `${target}: ${reason}`.slice(0, 300),
      });
      throw new Problem(400, `Invalid ${target}: ${reason}.`);
    }
  });
