/** The routes of this environment as the admin API shows them: config and origin, never a secret. */
import { isAgentDestination, isUrlDestination } from "../config/route-schema";
import type { ConfiguredRoute } from "../config/routes-from-env";
import { settingsFrom } from "../config/settings";
import { handlers } from "../handlers/agent-handlers";
import { FORWARD_HANDLER_NAME } from "../handlers/forward-to-agent";
import type { HandlerRoute } from "../handlers/handler-registry";
import { routeTableFor } from "../handlers/route-table";
import type { RouteView } from "./route-schemas";

function configuredView(route: ConfiguredRoute, env: Env): RouteView {
  const { destination } = route;
  return {
    name: route.name,
    origin: route.origin,
    sources: [...route.sources],
    types: route.types ? [...route.types] : null,
    filter: route.filter ?? null,
    destination: isUrlDestination(destination)
      ? {
          url: destination.url.split("?")[0] ?? "",
          secretVar: destination.secretVar ?? null,
          signingKeyVar: destination.signingKeyVar ?? null,
          timeoutMs: destination.timeoutMs ?? settingsFrom(env).AGENT_TIMEOUT_MS,
        }
      : isAgentDestination(destination)
        ? {
            agent: {
              ...destination.agent,
              timeoutMs: destination.agent.timeoutMs ?? settingsFrom(env).AGENT_TIMEOUT_MS,
            },
          }
        : { handler: destination.handler },
    maxAttempts: route.maxAttempts ?? settingsFrom(env).HANDLER_MAX_ATTEMPTS,
    ratePerSecond: route.ratePerSecond ?? null,
    budget: route.budget ?? null,
    order:
      route.orderBy === undefined
        ? null
        : {
            orderBy: route.orderBy,
            onPoison: route.onPoison ?? "skip",
            coalesce: route.coalesce ?? null,
            coalesceBy: route.coalesceBy ?? null,
          },
    state: "active",
  };
}

function codeView(handler: HandlerRoute, env: Env): RouteView {
  return {
    name: handler.name,
    origin: "code",
    sources: [handler.source],
    types: handler.typePattern === "*" ? null : [handler.typePattern],
    filter: null,
    destination: { handler: handler.name },
    maxAttempts: settingsFrom(env).HANDLER_MAX_ATTEMPTS,
    ratePerSecond: null,
    budget: null,
    order: null,
    state: "active",
  };
}

/**
 * Every route events can go to: the configured ones, then the handlers registered with `handlers.on` that
 * are enabled here. While routes are configured, `forward` is a route only when one names it.
 */
export function listRoutes(env: Env): { configured: boolean; routes: RouteView[] } {
  const table = routeTableFor(env);
  const code = handlers
    .codeRoutes()
    .filter(
      (handler) => handler.enabled(env) && !(table.configured && handler.name === FORWARD_HANDLER_NAME),
    );
  return {
    configured: table.configured,
    routes: [
      ...[...table.routes.values()].map((route) => configuredView(route, env)),
      ...code.map((handler) => codeView(handler, env)),
    ],
  };
}
