/**
 * Every route of this environment in one table: the configured ones (routes.ts and `HOOKGATE_ROUTES`) and
 * the handlers registered in code, with the mistakes that only the handler registry can see. Ingress asks
 * it which routes an event matches (stored with the claim); the consumer, what each stored route delivers to.
 */
import { type ConfigError, logConfigErrors } from "../config/json-config-var";
import { isAgentDestination, isUrlDestination, type RouteConfig } from "../config/route-schema";
import { type ConfiguredRoute, ROUTES_VAR, routesFor } from "../config/routes-from-env";
import { SOURCES_VAR, sourcesFor } from "../config/sources-from-env";
import { type FilterSubject, matchesFilter } from "../routes/match-filter";
import { matchesType } from "../routes/match-type";
import { handlers } from "./agent-handlers";
import { deliverToAgent } from "./deliver-to-agent";
import type { AgentHandler } from "./envelope";
import { FORWARD_HANDLER_NAME, postSignedEnvelope } from "./forward-to-agent";
import type { HandlerRegistry, HandlerRoute } from "./handler-registry";

export interface RouteTable {
  /** True when any route is configured: events then fan out to the routes chosen when they are claimed. */
  readonly configured: boolean;
  readonly routes: ReadonlyMap<string, ConfiguredRoute>;
  /** Errors of the configured routes, those the registry reveals included. */
  readonly errors: readonly ConfigError[];
}

const tables = new WeakMap<HandlerRegistry, WeakMap<object, RouteTable>>();

function registryErrors(routes: Iterable<ConfiguredRoute>, registry: HandlerRegistry): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const route of routes) {
    if (registry.byName(route.name))
      errors.push({
        path: `${route.path}.name`,
        message: `"${route.name}" is already the name of a handler registered in code; deliveries are kept per name, so pick another`,
      });
    const { destination } = route;
    if ("handler" in destination && !registry.byName(destination.handler))
      errors.push({
        path: `${route.path}.destination.handler`,
        message: `no handler is registered as "${destination.handler}" (handlers.register(fn, { name }) in src/handlers/agent-handlers.ts)`,
      });
  }
  return errors;
}

/** The routes of this environment as `registry` (by default the app's handlers) sees them; cached per env. */
export function routeTableFor(env: object, registry: HandlerRegistry = handlers): RouteTable {
  let byEnv = tables.get(registry);
  if (!byEnv) {
    byEnv = new WeakMap();
    tables.set(registry, byEnv);
  }
  let table = byEnv.get(env);
  if (!table) {
    const { routes, errors } = routesFor(env);
    const found = registryErrors(routes.values(), registry);
    logConfigErrors(found);
    table = { configured: routes.size > 0, routes, errors: [...errors, ...found] };
    byEnv.set(env, table);
  }
  return table;
}

/** Whether a configured route takes the event: its sources, its types and its filter all admit it. */
export function routeMatches(route: RouteConfig, event: FilterSubject): boolean {
  return (
    (route.sources.includes("*") || route.sources.includes(event.source)) &&
    matchesType(route.types, event.type) &&
    (route.filter === undefined || matchesFilter(route.filter, event))
  );
}

/**
 * The names of the routes an event goes to, decided once, when it is claimed: the configured routes that
 * match it and the handlers registered in code for its source and type. Undefined while no route is
 * configured: the handlers are then matched when the event is delivered, `forward` included, as before
 * routes existed. An empty list means the event is `filtered`.
 */
export function routesForEvent(env: Env, event: FilterSubject, registry = handlers): string[] | undefined {
  const table = routeTableFor(env, registry);
  if (!table.configured) return undefined;
  const names = new Set<string>();
  for (const route of table.routes.values()) if (routeMatches(route, event)) names.add(route.name);
  // With routes configured, `AGENT_ENDPOINT_URL` is no implicit route: `{ handler: "forward" }` names it.
  for (const handler of registry.match(event.source, event.type, env))
    if (handler.name !== FORWARD_HANDLER_NAME) names.add(handler.name);
  return [...names];
}

/** A route's destination as something to run: what run-handler.ts runs, and its attempt budget. */
export interface RouteRunner {
  readonly handler: HandlerRoute;
  /** The route's own `maxAttempts`; undefined: HANDLER_MAX_ATTEMPTS. */
  readonly maxAttempts?: number;
}

const destinationRunners = new WeakMap<ConfiguredRoute, HandlerRoute>();

/** How a `url` or `agent` route delivers; undefined for a route naming a handler. */
function destinationHandler(route: ConfiguredRoute): AgentHandler | undefined {
  const { destination } = route;
  if (isAgentDestination(destination))
    return (event, context) => deliverToAgent(destination.agent, event, context);
  if (!isUrlDestination(destination)) return undefined;
  const signed = { ...destination, configuredAs: `route "${route.name}"` };
  return (event, context) => postSignedEnvelope(signed, event, context);
}

function destinationRunner(route: ConfiguredRoute): HandlerRoute | undefined {
  let runner = destinationRunners.get(route);
  const handler = runner ? undefined : destinationHandler(route);
  if (!runner && handler) {
    runner = {
      name: route.name,
      source: "*",
      typePattern: "*",
      matchesType: () => true,
      enabled: () => true,
      handler,
    };
    destinationRunners.set(route, runner);
  }
  return runner;
}

/**
 * What the route (or handler) named `name` runs: a configured route's URL, Agent or handler, else the handler
 * registered under that name. Undefined when nothing carries the name any more.
 */
export function runnerFor(name: string, env: object, registry: HandlerRegistry): RouteRunner | undefined {
  const route = routeTableFor(env, registry).routes.get(name);
  if (!route) {
    const handler = registry.byName(name);
    return handler && { handler };
  }
  const { destination } = route;
  const target = "handler" in destination ? registry.byName(destination.handler) : destinationRunner(route);
  return target && { handler: { ...target, name: route.name }, maxAttempts: route.maxAttempts };
}

/** A URL without its query and fragment (they may carry tokens), or null when it is not one. */
function destinationOf(url: unknown): string | null {
  if (typeof url !== "string" || !URL.canParse(url)) return null;
  const { origin, pathname } = new URL(url);
  return `${origin}${pathname}`;
}

/**
 * The name of the back-pressure gate (RouteGate) of the route or handler `name`: the route and its
 * destination URL, since pauses, rates and circuits are per destination. A route whose URL changes gets a
 * fresh gate (a new destination has no failures); a handler destination's gate is the route's name alone.
 */
export function gateNameFor(name: string, env: Env, registry: HandlerRegistry = handlers): string {
  const route = routeTableFor(env, registry).routes.get(name);
  const url = route
    ? isUrlDestination(route.destination)
      ? route.destination.url
      : null
    : name === FORWARD_HANDLER_NAME
      ? Reflect.get(env, "AGENT_ENDPOINT_URL")
      : null;
  const destination = destinationOf(url);
  return destination ? `${name} ${destination}` : name;
}

/** The configuration mistakes of one variable, and the `/healthz` check that lists them. */
export interface InvalidConfig {
  readonly variable: typeof SOURCES_VAR | typeof ROUTES_VAR;
  readonly check: "sources" | "routes";
  readonly errors: readonly ConfigError[];
}

/** Every configuration mistake that keeps webhooks at 503, sources first; empty when there is none. */
export function configErrorsFor(env: object): InvalidConfig[] {
  const all: InvalidConfig[] = [
    { variable: SOURCES_VAR, check: "sources", errors: sourcesFor(env).errors },
    { variable: ROUTES_VAR, check: "routes", errors: routeTableFor(env).errors },
  ];
  return all.filter(({ errors }) => errors.length > 0);
}
