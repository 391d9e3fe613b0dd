/**
 * RFC 9457 problem responses. Ingress code throws `Problem`; `app.onError` renders it. The public
 * `detail` is generic on purpose: the specific reason goes to the log only.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

const TITLES: Partial<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The RFC 9457 body every error response carries. */
export const ProblemBody = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
});

export class Problem extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message: detail });
  }
}

export function problemResponse(
  status: ContentfulStatusCode,
  detail: string,
  headers: Record<string, string> = {},
) {
  const body = { type: "about:blank", title: TITLES[status] ?? "Error", status, detail };
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });
}
