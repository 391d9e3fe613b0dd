/** `/admin/routes`: each route's back-pressure state, with a Pause or Resume button, and its tripped budgets. */
import type { FC } from "hono/jsx";
import type { TrippedKey } from "../routes/budget-schemas";
import type { GateState } from "../routes/gate-schemas";
import { Layout } from "./page-layout";
import { formatTime, Notice, StatusBadge, TableScroll } from "./view-parts";

/** One sentence beside the buttons, so operators know what a pause does to events. */
export const PAUSE_EXPLAINED =
  "A paused route holds its events: none is attempted and none uses up an attempt. Resume sends them again, " +
  "at the route's rate; an open circuit then tries one event first.";

/** A route and its gate, as listed. */
export type RouteRow = { name: string; gate: GateState };

/** A key over its route's budget, as listed. */
export type BudgetRow = { route: string; max: number; windowSeconds: number; trip: TrippedKey };

/** What the Budgets table says a Reset does. */
export const RESET_EXPLAINED =
  "A key over its route's budget has its events suppressed (rule budget) until its oldest counted event leaves " +
  "the window. Reset delivers the key's next event at once and counts it from zero; suppressed events can be replayed.";

type RoutesPageProps = { routes: RouteRow[]; budgets?: BudgetRow[]; notice: string | null };

const at = (ms: number) => formatTime(new Date(ms).toISOString());

const ResetButton: FC<{ route: string; budgetKey: string }> = ({ route, budgetKey }) => (
  <form
    method="post"
    action={`/admin/routes/${encodeURIComponent(route)}/budgets/${encodeURIComponent(budgetKey)}/reset`}
  >
    <button type="submit">Reset</button>
  </form>
);

/** The keys over budget, one row each, with a Reset button. */
const TrippedBudgets: FC<{ budgets: BudgetRow[] }> = ({ budgets }) => (
  <section>
    <h2>Budgets</h2>
    <p class="muted">{RESET_EXPLAINED}</p>
    {budgets.length === 0 ? (
      <p class="muted">No key is over its budget.</p>
    ) : (
      <TableScroll>
        <table>
          <thead>
            <tr>
              <th>route</th>
              <th>key</th>
              <th>budget</th>
              <th>tripped</th>
              <th class="num">suppressed</th>
              <th>admits again</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {budgets.map(({ route, max, windowSeconds, trip }) => (
              <tr data-budget-route={route} data-budget-key={trip.key}>
                <td class="mono id">{route}</td>
                <td class="mono id">{trip.key}</td>
                <td>{`${max} per ${windowSeconds} s`}</td>
                <td>{at(trip.trippedAt)}</td>
                <td class="num">{trip.suppressed}</td>
                <td>{at(trip.reopensAt)}</td>
                <td>
                  <ResetButton route={route} budgetKey={trip.key} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    )}
  </section>
);

/** Why a route is not active, in words: who paused it and until when, or since when its circuit is open. */
function why(gate: GateState): string {
  if (gate.pausedBy === "operator") return `paused by an operator at ${formatTime(gate.pausedAt)}`;
  if (gate.pausedBy === "retry_after")
    return `the destination asked to wait until ${formatTime(gate.pausedUntil)}`;
  if (gate.state === "circuit-open")
    return gate.probeInFlight
      ? `circuit open since ${formatTime(gate.openedAt)}; one probe in flight`
      : `circuit open since ${formatTime(gate.openedAt)}; next probe ${formatTime(gate.nextProbeAt)}`;
  return "";
}

const RouteButton: FC<{ name: string; action: "pause" | "resume" }> = ({ name, action }) => (
  <form method="post" action={`/admin/routes/${encodeURIComponent(name)}/${action}`}>
    <button type="submit" class={action === "pause" ? "secondary" : undefined}>
      {action === "pause" ? "Pause" : "Resume"}
    </button>
  </form>
);

export const RoutesPage: FC<RoutesPageProps> = ({ routes, budgets = [], notice }) => (
  <Layout title="Routes" section="routes" signedIn>
    <h1>Routes</h1>
    <Notice text={notice} />
    <p class="muted">{PAUSE_EXPLAINED}</p>
    {routes.length === 0 ? (
      <p class="muted">No routes are configured yet.</p>
    ) : (
      <TableScroll>
        <table>
          <thead>
            <tr>
              <th>route</th>
              <th>state</th>
              <th>why</th>
              <th class="num">failures in a row</th>
              <th>last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {routes.map(({ name, gate }) => (
              <tr data-route={name}>
                <td class="mono id">{name}</td>
                <td>
                  <StatusBadge status={gate.state} />
                </td>
                <td>{why(gate)}</td>
                <td class="num">{gate.consecutiveFailures}</td>
                <td>
                  {gate.lastError
                    ? `${gate.lastError.status ?? "no answer"}${gate.lastError.message ? `: ${gate.lastError.message}` : ""} (${formatTime(gate.lastError.at)})`
                    : "—"}
                </td>
                <td>
                  <RouteButton name={name} action={gate.state === "active" ? "pause" : "resume"} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    )}
    <TrippedBudgets budgets={budgets} />
  </Layout>
);
