/**
 * Routes defined in code: each sends the events it matches (by source, type and filter) to one destination.
 * Empty by default: with no route anywhere (here or in `HOOKGATE_ROUTES`), every event goes to the handlers
 * registered in src/handlers/agent-handlers.ts, the `forward` handler to `AGENT_ENDPOINT_URL` included,
 * exactly as before routes existed. Once any route exists, each event gets the routes it matches when it
 * is accepted (plus the handlers registered with `handlers.on(...)` that match it), and an event that
 * matches none ends as `filtered`. The README's "Routes" section has worked examples.
 *
 * ```ts
 * {
 *   name: "triage",
 *   sources: ["github"],
 *   types: ["issues.*"],
 *   filter: { "payload.issue.labels.name": { $in: ["bug"] }, "payload.sender.type": { $neq: "Bot" } },
 *   destination: { url: "https://triage.example.com/hook", secretVar: "TRIAGE_SIGNING_SECRET", timeoutMs: 15000 },
 *   maxAttempts: 8,
 * },
 * ```
 *
 * Secrets never go here: `secretVar` and `signingKeyVar` name variables (`wrangler secret put`). A
 * `HOOKGATE_ROUTES` entry with the same name replaces the route written here.
 */
import { defineRoutes } from "./route-schema";

export const routes = defineRoutes([
  // Your routes go here.
]);
