/**
 * Caps a dashboard form post before it is parsed. The login form is reachable without a session, and
 * parsing buffers the whole body, so without a cap anyone could make an isolate hold a body of any size.
 */
import { bodyLimit } from "hono/body-limit";
import { Problem } from "../shared/problem";

/** Far more than any dashboard form sends (a login token is at most 1,024 characters). */
export const MAX_FORM_BYTES = 16 * 1024;

/** 413 for a form over MAX_FORM_BYTES, whether its Content-Length says so or its stream runs past it. */
export const limitFormBody = bodyLimit({
  maxSize: MAX_FORM_BYTES,
  onError() {
    throw new Problem(413, "The form is larger than any dashboard form.");
  },
});
