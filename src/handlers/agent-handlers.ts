/**
 * Your agent handlers. The built-in forwarder is wired for every source and type; add your own below.
 *
 * ```ts
 * async function logOpenedIssue(event: WebhookEnvelope, { log, idempotencyKey }: HandlerContext) {
 *   log("issue opened", { id: event.id, key: idempotencyKey });
 * }
 * handlers.on("github", "issues.opened", logOpenedIssue);
 * ```
 */

import { FORWARD_HANDLER_NAME, forward, isForwardEnabled } from "./forward-to-agent";
import { HandlerRegistry } from "./handler-registry";

export const handlers = new HandlerRegistry().on("*", "*", forward, {
  name: FORWARD_HANDLER_NAME,
  enabled: isForwardEnabled,
});
