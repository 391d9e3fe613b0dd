/**
 * The pipeline's one call into alerting: hands incidents to the alert desk of `ALERT_WEBHOOK_URL`. Does
 * nothing when that is unset, and never throws: an alert that cannot be reported is logged, and event
 * processing goes on as if alerting did not exist.
 */
import { isAllowedAgentUrl } from "../handlers/forward-to-agent";
import { describeError, logError } from "../shared/log";
import type { Incident } from "./incident";

export async function reportIncidents(env: Env, incidents: Incident[]): Promise<void> {
  const destination: unknown = Reflect.get(env, "ALERT_WEBHOOK_URL");
  if (typeof destination !== "string" || destination === "" || incidents.length === 0) return;
  if (!isAllowedAgentUrl(destination)) {
    logError("alert", {
      outcome: "invalid_destination",
      reason: "ALERT_WEBHOOK_URL must be an https URL (plain http only to loopback), without credentials",
    });
    return;
  }
  try {
    const desk = env.ALERT_DESK.get(env.ALERT_DESK.idFromName(destination));
    await desk.report(destination, incidents);
  } catch (error) {
    logError("alert", { outcome: "report_failed", count: incidents.length, error: describeError(error) });
  }
}
