/**
 * Where route budgets act: once an event's envelope is built and no suppress rule matched, each leased
 * route that has a `budget` counts the event against its key; a route over budget runs nothing and its
 * lease settles as `suppressed` with the rule `budget`. Replays never ask (an operator's replay delivers).
 */
import { handlerOfKey } from "../claim/event-message";
import type { HandlerDecision, SettleInput } from "../claim/ledger-rpc";
import type { WebhookEnvelope } from "../handlers/envelope";
import type { HandlerRegistry } from "../handlers/handler-registry";
import { routeTableFor } from "../handlers/route-table";
import { budgetKeyOf, budgetOfKey } from "../routes/budget-key";
import { describeError, logError } from "../shared/log";

/** The rule name a delivery suppressed by its route's budget is settled (and shown) with. */
export const BUDGET_RULE = "budget";

type Lease = Extract<HandlerDecision, { decision: "run" }>;

/** Whether `route`'s budget admits the event; a budget that cannot be reached admits (and logs why). */
async function admittedBy(route: string, envelope: WebhookEnvelope, env: Env, registry: HandlerRegistry) {
  const budget = routeTableFor(env, registry).routes.get(route)?.budget;
  if (!budget) return true;
  const key = await budgetKeyOf(envelope, budget.key);
  if (key === null) return true;
  try {
    const { admitted } = await budgetOfKey(env, route, key).count({
      route,
      key,
      event: `${envelope.source}:${envelope.id}`,
      max: budget.max,
      windowSeconds: budget.windowSeconds,
    });
    return admitted;
  } catch (error) {
    const { source, id } = envelope;
    logError("deliver", { outcome: "budget_unavailable", route, source, id, error: describeError(error) });
    return true;
  }
}

/**
 * Splits an event's leases into those to run and the settlements of those whose route is over budget.
 * Each budgeted route counts the event once, by `source:id`, however often its message comes.
 */
export async function applyRouteBudgets(
  leases: readonly Lease[],
  envelope: WebhookEnvelope,
  env: Env,
  registry: HandlerRegistry,
): Promise<{ admitted: Lease[]; suppressed: SettleInput }> {
  const verdicts = await Promise.all(
    leases.map((lease) => admittedBy(handlerOfKey(lease.handler), envelope, env, registry)),
  );
  const admitted = leases.filter((_, index) => verdicts[index]);
  const suppressed = leases
    .filter((_, index) => !verdicts[index])
    .map(({ handler, attempt }) => ({
      source: envelope.source,
      id: envelope.id,
      handler,
      attempt,
      outcome: "suppressed" as const,
      rule: BUDGET_RULE,
    }));
  return { admitted, suppressed };
}
