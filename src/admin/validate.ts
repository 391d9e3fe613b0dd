/** `@hono/zod-validator`, with failures rendered as RFC 9457 problems like every other error. */
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import { Problem } from "../ingress/problem";

export const validate = <Target extends keyof ValidationTargets, Schema extends ZodType>(
  target: Target,
  schema: Schema,
) =>
  zValidator(target, schema, (result) => {
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Problem(
        400,
        `Invalid ${target}: ${issue ? `${issue.path.join(".") || target} ${issue.message}` : "rejected"}.`,
      );
    }
  });
