/**
 * Routes configured without code: the `HOOKGATE_ROUTES` variable (a JSON array, in wrangler.toml `[vars]`
 * or .dev.vars), validated by the same schema as routes.ts and merged over it, then checked against this
 * environment: every source exists, every variable a route names is set, every Agent binding exists.
 * Parsed once per isolate and env, each mistake logged and reported (like `HOOKGATE_SOURCES`): webhooks
 * answer 503 until it is fixed.
 */
import { decodeWhsecSecret } from "../verify/standard-webhooks";
import { agentBindingError } from "./agent-destination";
import { type ConfigError, oncePerEnv, readJsonConfigVar } from "./json-config-var";
import { isAgentDestination, isUrlDestination, type RouteConfig, RouteList } from "./route-schema";
import { routes as codeRoutes } from "./routes";
import { sourcesFor } from "./sources-from-env";

export const ROUTES_VAR = "HOOKGATE_ROUTES";

/** A route with where it was written: its origin and its path there, for errors and the admin API. */
export type ConfiguredRoute = RouteConfig & {
  readonly origin: "routes.ts" | typeof ROUTES_VAR;
  /** `HOOKGATE_ROUTES[1]` or `routes.ts[0]`: the prefix of every error about this route. */
  readonly path: string;
};

export interface EffectiveRoutes {
  /** routes.ts, with `HOOKGATE_ROUTES` entries added or replacing the code route of the same name. */
  readonly routes: ReadonlyMap<string, ConfiguredRoute>;
  /** Empty when the routes are valid in this environment; otherwise no source may accept events. */
  readonly errors: readonly ConfigError[];
}

/** The gateway's own signing variables, used by a `url` route that names none of its own. */
const DEFAULT_SIGNING_VARS = ["AGENT_SIGNING_KEY", "AGENT_SIGNING_SECRET"];

function readVar(env: object, name: string): string | undefined {
  const value: unknown = Reflect.get(env, name);
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** What is wrong with a route in this environment: a missing source, an unset or malformed variable. */
function environmentErrors(route: ConfiguredRoute, env: object): ConfigError[] {
  const errors: ConfigError[] = [];
  const sources = sourcesFor(env).sources;
  route.sources.forEach((source, index) => {
    if (source !== "*" && !sources.has(source))
      errors.push({ path: `${route.path}.sources[${index}]`, message: `no source is named "${source}"` });
  });
  const { destination } = route;
  const at = `${route.path}.destination`;
  if (isAgentDestination(destination)) {
    const missing = agentBindingError(destination.agent, env);
    if (missing) errors.push({ path: `${at}.agent.binding`, message: missing });
  }
  if (!isUrlDestination(destination)) return errors;
  const unset = (name: string) =>
    `${name} is not set: set it with \`wrangler secret put ${name}\` (the secret never goes in the config)`;
  if (destination.secretVar !== undefined) {
    const secret = readVar(env, destination.secretVar);
    if (secret === undefined) errors.push({ path: `${at}.secretVar`, message: unset(destination.secretVar) });
    else if (!decodeWhsecSecret(secret))
      errors.push({
        path: `${at}.secretVar`,
        message: `${destination.secretVar} is not a whsec_ base64 secret`,
      });
  }
  if (destination.signingKeyVar !== undefined) {
    const key = readVar(env, destination.signingKeyVar);
    if (key === undefined)
      errors.push({ path: `${at}.signingKeyVar`, message: unset(destination.signingKeyVar) });
    else if (!key.startsWith("whsk_"))
      errors.push({
        path: `${at}.signingKeyVar`,
        message: `${destination.signingKeyVar} is not a whsk_ Ed25519 key`,
      });
  }
  if (
    destination.secretVar === undefined &&
    destination.signingKeyVar === undefined &&
    !DEFAULT_SIGNING_VARS.some((name) => readVar(env, name) !== undefined)
  )
    errors.push({
      path: at,
      message:
        "names no secretVar or signingKeyVar, and neither AGENT_SIGNING_KEY nor AGENT_SIGNING_SECRET is set: Hookgate never posts unsigned",
    });
  return errors;
}

function parse(env: object): EffectiveRoutes {
  const merged = new Map<string, ConfiguredRoute>();
  codeRoutes.forEach((route, index) => {
    merged.set(route.name, { ...route, origin: "routes.ts", path: `routes.ts[${index}]` });
  });
  const { value, errors } = readJsonConfigVar(env, ROUTES_VAR, RouteList);
  value?.forEach((route, index) => {
    merged.set(route.name, { ...route, origin: ROUTES_VAR, path: `${ROUTES_VAR}[${index}]` });
  });
  for (const route of merged.values()) errors.push(...environmentErrors(route, env));
  return { routes: merged, errors };
}

/**
 * The routes of this environment and the mistakes in them, parsed (and each mistake logged) once per
 * isolate and env. Checks that need the handler registry are made by src/handlers/route-table.ts.
 */
export const routesFor: (env: object) => EffectiveRoutes = oncePerEnv(parse);
