/** Alerts: one message per incident with its count, signed, to a real local receiver; never in the way. */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it, vi } from "vitest";
import { reportIncidents } from "../../src/alerts/report-incidents";
import { forward } from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { deliveries, sinkUrl } from "../support/agent-sink-client";
import { accept, consume, messageFor } from "../support/pipeline";
import { githubEvent } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const bucket = () => `alerts-${crypto.randomUUID().slice(0, 8)}`;

/** The alerts a receiver got, once at least one arrived (bounded wait). */
const firstAlerts = (name: string) =>
  vi.waitUntil(
    async () => {
      const received = await deliveries(name);
      return received.length > 0 ? received : false;
    },
    { timeout: 20_000, interval: 200 },
  );
const withAlerts = (url: string) => ({ ...env, ALERT_WEBHOOK_URL: url });

const deadLetter = (count: number) => ({
  kind: "dead_letter" as const,
  key: "forward",
  title: "events were dead-lettered for handler forward",
  count,
  path: "/admin/dead-letters",
});

describe.concurrent("alerts", () => {
  it("groups a burst of reports into one signed message that carries the count", async () => {
    const name = bucket();
    const testEnv = withAlerts(sinkUrl(name));
    await reportIncidents(testEnv, [deadLetter(1)]);
    await reportIncidents(testEnv, [deadLetter(2)]);
    await reportIncidents(testEnv, [deadLetter(1)]);
    const [alert] = await firstAlerts(name);
    // Nothing more arrives for the same incident: it waits out the repeat interval.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await deliveries(name)).toHaveLength(1);
    const body = JSON.parse(alert!.body);
    expect(body).toMatchObject({
      type: "hookgate.alert",
      kind: "dead_letter",
      key: "forward",
      count: 4,
      total: 4,
    });
    expect(body.link).toBe("/admin/dead-letters");
    expect(() =>
      new Webhook(TEST_SECRETS.AGENT_SIGNING_SECRET).verify(alert!.body, alert!.headers),
    ).not.toThrow();
  });

  it("holds failures below the threshold, and sends one message once they cross it", async () => {
    const name = bucket();
    const testEnv = withAlerts(sinkUrl(name));
    const failing = (count: number) => ({
      kind: "delivery_failing" as const,
      key: "forward",
      title: "deliveries to handler forward are failing",
      count,
      threshold: 5,
      path: "/admin/events?status=retrying",
    });
    await reportIncidents(testEnv, [failing(2), failing(2)]);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(await deliveries(name)).toHaveLength(0);
    await reportIncidents(testEnv, [failing(1)]);
    const [alert] = await firstAlerts(name);
    expect(JSON.parse(alert!.body)).toMatchObject({ kind: "delivery_failing", count: 5 });
  });

  it("never throws into the pipeline, whatever the destination", async () => {
    await expect(
      reportIncidents(withAlerts("http://10.0.0.1/alerts"), [deadLetter(1)]),
    ).resolves.toBeUndefined();
    await expect(reportIncidents(withAlerts("not a url"), [deadLetter(1)])).resolves.toBeUndefined();
    await expect(reportIncidents(env, [deadLetter(1)])).resolves.toBeUndefined();
  });
});

describe("alerts from the pipeline", () => {
  it("sends exactly one alert, with its count, when a batch dead-letters events", async () => {
    const name = bucket();
    const handler = `fwd_${crypto.randomUUID().slice(0, 8)}`;
    const registry = new HandlerRegistry().on("*", "*", forward, { name: handler });
    const testEnv = {
      ...withAlerts(sinkUrl(name)),
      AGENT_ENDPOINT_URL: sinkUrl(`gone-${crypto.randomUUID()}`, "status=410"),
    };
    const ids = [await accept(await githubEvent()), await accept(await githubEvent())];
    await consume(
      ids.map((id) => messageFor("github", id, "issues.opened")),
      registry,
      testEnv,
    );
    const [alert] = await firstAlerts(name);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await deliveries(name)).toHaveLength(1);
    expect(JSON.parse(alert!.body)).toMatchObject({ kind: "dead_letter", key: handler, count: 2, total: 2 });
  });
});
