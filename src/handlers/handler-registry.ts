/**
 * The typed registry of agent handlers: `on(source | "*", typePattern, handler)`.
 * A type pattern is exact (`issues.opened`) or a glob where `*` matches anything (`issues.*`, `*`).
 * Each handler has a stable name (its function name, or `options.name`): completion is recorded per
 * `(event, handler name)`, so renaming a handler makes in-flight events run it again.
 */
import { ROUTE_NAME } from "../config/route-schema";
import { typeGlob } from "../routes/match-type";
import type { AgentHandler } from "./envelope";

export interface HandlerRoute {
  readonly name: string;
  readonly source: string;
  /** The type pattern it was registered with (`issues.*`), as the admin API shows it. */
  readonly typePattern: string;
  readonly matchesType: (type: string) => boolean;
  readonly handler: AgentHandler;
  readonly enabled: (env: Env) => boolean;
}

export interface HandlerOptions {
  name?: string;
  /** Decides per environment whether the handler is active (the forwarder needs `AGENT_ENDPOINT_URL`). */
  enabled?: (env: Env) => boolean;
}

/** Handler names follow the route-name rule: both key delivery state and idempotency keys. */
const NAME = ROUTE_NAME;
/** The source of a handler registered with `register`: it matches no event by itself. */
const ROUTES_ONLY = "";

export class HandlerRegistry {
  private readonly routes: HandlerRoute[] = [];

  on(source: string, typePattern: string, handler: AgentHandler, options: HandlerOptions = {}): this {
    const name = options.name ?? handler.name;
    if (!NAME.test(name)) {
      throw new Error(
        `handler for ${source}/${typePattern} needs a name: use a named function or options.name`,
      );
    }
    if (this.routes.some((route) => route.name === name && route.handler !== handler)) {
      throw new Error(`two different handlers are named "${name}"`);
    }
    this.routes.push({
      name,
      source,
      typePattern,
      matchesType: typeGlob(typePattern),
      handler,
      enabled: options.enabled ?? (() => true),
    });
    return this;
  }

  /**
   * Registers a handler that only routes reach (`destination: { handler: name }` in routes.ts or
   * `HOOKGATE_ROUTES`): unlike `on`, it matches no event by itself.
   */
  register(handler: AgentHandler, options: HandlerOptions = {}): this {
    return this.on(ROUTES_ONLY, "", handler, options);
  }

  /** Handlers for one event, each name once. */
  match(source: string, type: string, env: Env): HandlerRoute[] {
    const byName = new Map<string, HandlerRoute>();
    for (const route of this.routes) {
      if (
        route.source !== ROUTES_ONLY &&
        (route.source === "*" || route.source === source) &&
        route.matchesType(type) &&
        route.enabled(env)
      ) {
        if (!byName.has(route.name)) byName.set(route.name, route);
      }
    }
    return [...byName.values()];
  }

  byName(name: string): HandlerRoute | undefined {
    return this.routes.find((route) => route.name === name);
  }

  /** Every handler that matches events by itself (`on`), once per name: the routes defined in code. */
  codeRoutes(): HandlerRoute[] {
    const byName = new Map<string, HandlerRoute>();
    for (const route of this.routes)
      if (route.source !== ROUTES_ONLY && !byName.has(route.name)) byName.set(route.name, route);
    return [...byName.values()];
  }
}
