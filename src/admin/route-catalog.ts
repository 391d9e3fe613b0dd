/**
 * Which routes exist, for the route pause/resume API and the dashboard's Routes page: the one seam to wire
 * to the route config (src/config/routes.ts, HOOKGATE_ROUTES) when it lands.
 */
import { RouteName } from "../routes/gate-schemas";

/** The routes operators may see and control. */
export type RouteCatalog = {
  /** The configured route names, in the order the dashboard lists them. */
  names(env: Env): readonly string[] | Promise<readonly string[]>;
  /** Whether `name` is a configured route (else the API answers 404). */
  exists(env: Env, name: string): boolean | Promise<boolean>;
};

/**
 * Until routes are configured: none are listed, and any name that follows the route-name rule
 * (`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`) can be paused and resumed, so an operator can hold a route
 * before it is deployed. Replace with the config's routes when wiring.
 */
export const routeCatalog: RouteCatalog = {
  names: () => [],
  exists: (_env, name) => RouteName.safeParse(name).success,
};
