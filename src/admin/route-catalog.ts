/** Which routes exist, for the route pause/resume API and the dashboard's Routes page: the route table's. */
import { listRoutes } from "./list-routes";

/** The routes operators may see and control. */
export type RouteCatalog = {
  /** The route names, in the order the dashboard lists them. */
  names(env: Env): readonly string[] | Promise<readonly string[]>;
  /** Whether `name` is a route (else the API answers 404). */
  exists(env: Env, name: string): boolean | Promise<boolean>;
};

/**
 * The routes of routes.ts and HOOKGATE_ROUTES, then the handlers registered in code (the forwarder
 * included while no route is configured): everything that delivers can be paused.
 */
export const routeCatalog: RouteCatalog = {
  names: (env) => listRoutes(env).routes.map((route) => route.name),
  exists: (env, name) => listRoutes(env).routes.some((route) => route.name === name),
};
