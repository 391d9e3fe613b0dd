/**
 * What each route is doing now, for `GET /admin/api/routes`: its back-pressure state and last error (from its
 * gate, docs/back-pressure.md) and how many of the last day's events it delivered, gave up or still owes
 * (from every ledger shard's log).
 */
import { ledgerFor } from "../claim/shard-for-event";
import { settingsFrom } from "../config/settings";
import { gateNameFor } from "../handlers/route-table";
import type { RouteView } from "./route-schemas";

/** The counts cover the events received in this window. */
const COUNTS_WINDOW_MS = 86_400_000;

type Counts = { pending: number; delivered: number; dead: number };

/** Every route's counts over the window, summed across the shards. */
async function countsByRoute(
  env: Env,
  since: number,
): Promise<{ counts: Map<string, Counts>; truncated: boolean }> {
  const shards = Array.from({ length: settingsFrom(env).CLAIM_SHARDS }, (_, shard) => shard);
  const answers = await Promise.all(shards.map((shard) => ledgerFor(env, shard).routeActivity({ since })));
  const counts = new Map<string, Counts>();
  for (const answer of answers)
    for (const { route, pending, delivered, dead } of answer.routes) {
      const sum = counts.get(route) ?? { pending: 0, delivered: 0, dead: 0 };
      counts.set(route, {
        pending: sum.pending + pending,
        delivered: sum.delivered + delivered,
        dead: sum.dead + dead,
      });
    }
  return { counts, truncated: answers.some((answer) => answer.truncated) };
}

/** The routes with their gate's state and last error, and their counts over the last day. */
export async function withActivity(env: Env, routes: RouteView[], now = Date.now()): Promise<RouteView[]> {
  const since = now - COUNTS_WINDOW_MS;
  const { counts, truncated } = await countsByRoute(env, since);
  return Promise.all(
    routes.map(async (route) => {
      const gate = await env.ROUTE_GATE.getByName(gateNameFor(route.name, env)).state();
      return {
        ...route,
        state: gate.state,
        lastError: gate.lastError?.message ?? null,
        counts: {
          ...(counts.get(route.name) ?? { pending: 0, delivered: 0, dead: 0 }),
          since: new Date(since).toISOString(),
          truncated,
        },
      };
    }),
  );
}
