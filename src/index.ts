/** Wiring only: ingress (HTTP) → verify → normalize → claim/outbox (Durable Object) → queue → handlers. */

import { app } from "./app";
import { handlers } from "./handlers/agent-handlers";
import { withAgentStubCache } from "./handlers/agent-stub-cache";
import { deliverBatch } from "./queue/deliver-batch";

export { AlertDesk } from "./alerts/alert-desk";
export { EventLedger } from "./claim/event-ledger";
export type { AgentHandler, HandlerContext, WebhookEnvelope } from "./handlers/envelope";
export { GiveUp, RetryLater } from "./handlers/handler-error";
export {
  type PromptableEvent,
  parseUntrustedBlocks,
  renderForPrompt,
  type UntrustedBlock,
} from "./handlers/untrusted-text";
export { LaneKeeper } from "./lanes/lane-keeper";
export { RouteBudget } from "./routes/route-budget";
export { RouteGate } from "./routes/route-gate";

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    await withAgentStubCache(() => deliverBatch(batch, env, handlers));
  },
} satisfies ExportedHandler<Env>;
