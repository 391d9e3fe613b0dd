/**
 * Loop breakers end to end: events that a source's suppress rules match go through the real route, ledger,
 * queue and consumer, are claimed but not delivered, end as `suppressed` with the rule's name in the ledger,
 * the admin API and the dashboard, and are delivered when an operator replays them.
 * The `github-loop` and `slack-loop` sources come from the test worker's HOOKGATE_SOURCES.
 */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { EventList, Metrics, ReplayAccepted } from "../../src/admin/admin-schemas";
import { sourcesFor } from "../../src/config/sources-from-env";
import { handlers } from "../../src/handlers/agent-handlers";
import type { WebhookEnvelope } from "../../src/handlers/envelope";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import worker from "../../src/index";
import { loginCookie } from "../dashboard/login-session";
import { admin, logged } from "../support/admin-client";
import { deliveries, waitForDeliveries } from "../support/agent-sink-client";
import { consume, inspectLedger, messageFor } from "../support/pipeline";
import { BASE, githubEvent, post, slackEvent } from "../support/signed-requests";

/** A signed `issue_comment` on the `github-loop` source, written by `login`. */
async function comment(login: string, type: "Bot" | "User") {
  const fixture = await githubEvent(
    {
      action: "created",
      issue: { number: 7, id: crypto.randomUUID() },
      comment: { id: crypto.randomUUID(), body: "On it." },
      sender: { login, type },
    },
    { event: "issue_comment" },
  );
  return { ...fixture, path: "/webhooks/github-loop" };
}

async function send(fixture: Awaited<ReturnType<typeof comment>>) {
  const response = await exports.default.fetch(post(fixture));
  return { status: response.status, body: await response.json<{ id: string; status: string }>() };
}

/** Waits (bounded) until the ledger holds the event with `status`. */
function ledgerStatus(source: string, id: string, status: string) {
  return vi.waitUntil(async () => (await inspectLedger(source, id)).event?.status === status, {
    timeout: 15_000,
    interval: 50,
  });
}

describe("suppress rules", () => {
  it("suppress the agent's own bot comment and deliver a human's; a duplicate stays a duplicate", async () => {
    const bot = await comment("hookgate-agent[bot]", "Bot");
    const first = await send(bot);
    expect(first.status).toBe(202);
    const botId = first.body.id;
    const human = await send(await comment("ada", "User"));
    expect(human.status).toBe(202);

    await waitForDeliveries(human.body.id);
    await ledgerStatus("github-loop", botId, "suppressed");
    const ledger = await inspectLedger("github-loop", botId);
    expect(ledger.deliveries).toEqual([
      expect.objectContaining({ handler: "forward", state: "suppressed", last_error: "own-bot" }),
    ]);
    expect((await deliveries()).filter((d) => JSON.parse(d.body).id === botId)).toEqual([]);

    expect(await send(bot)).toEqual({ status: 200, body: { id: botId, status: "duplicate" } });
  });

  it("suppress a Slack bot_message", async () => {
    const response = await exports.default.fetch(
      post({
        ...slackEvent({
          type: "event_callback",
          event_id: `Ev${crypto.randomUUID()}`,
          event: { type: "message", subtype: "bot_message", bot_id: "B0AGENT", text: "Done." },
        }),
        path: "/webhooks/slack-loop",
      }),
    );
    expect(response.status).toBe(202);
    const { id } = await response.json<{ id: string }>();
    await ledgerStatus("slack-loop", id, "suppressed");
    const detail = await logged("slack-loop", id, "suppressed");
    expect(detail.event.suppressedBy).toBe("bot-messages");
  });

  it("show a suppressed event with its rule in the API and the dashboard, and a replay delivers it", async () => {
    const { body } = await send(await comment("hookgate-agent[bot]", "Bot"));
    const id = body.id;
    const detail = await logged("github-loop", id, "suppressed");
    expect(detail.event).toMatchObject({ status: "suppressed", suppressedBy: "own-bot", lastError: null });

    const list = EventList.parse(
      await (await admin(`/events?status=suppressed&source=github-loop&id=${id}`)).json(),
    );
    expect(list.events.map((e) => [e.id, e.suppressedBy])).toEqual([[id, "own-bot"]]);
    const metrics = Metrics.parse(await (await admin("/metrics")).json());
    expect(metrics.bySource["github-loop"]?.suppressed).toBeGreaterThanOrEqual(1);

    const cookie = await loginCookie();
    const page = await exports.default.fetch(
      new Request(`${BASE}/admin/events/github-loop/${encodeURIComponent(id)}`, { headers: { cookie } }),
    );
    const html = await page.text();
    expect(html).toContain('class="badge suppressed"');
    expect(html).toMatch(/data-suppressed-by[^>]*>\s*own-bot/);
    const home = await (
      await exports.default.fetch(new Request(`${BASE}/admin`, { headers: { cookie } }))
    ).text();
    expect(home).toContain('class="badge suppressed"');

    const replay = await admin(`/events/github-loop/${encodeURIComponent(id)}/replay`, { method: "POST" });
    expect(replay.status).toBe(202);
    expect(ReplayAccepted.parse(await replay.json()).replay).toBe(1);
    await waitForDeliveries(id);
    const replayed = await logged("github-loop", id, "delivered");
    expect(replayed.event.suppressedBy).toBe("own-bot");
  });
});

describe("a suppressed event's message delivered again", () => {
  it("starts no attempt and stays suppressed", async () => {
    const { body } = await send(await comment("hookgate-agent[bot]", "Bot"));
    await ledgerStatus("github-loop", body.id, "suppressed");
    const { result } = await consume([messageFor("github-loop", body.id, "issue_comment")], handlers);
    expect(result.explicitAcks).toHaveLength(1);
    const ledger = await inspectLedger("github-loop", body.id);
    expect(ledger.event?.status).toBe("suppressed");
    expect(ledger.deliveries).toEqual([expect.objectContaining({ state: "suppressed", attempts: 1 })]);
  });
});

describe("suppress rule validation", () => {
  it("reports a bad rule in HOOKGATE_SOURCES with its path and a clear message, and /healthz answers 503", async () => {
    const bad = {
      ...env,
      HOOKGATE_SOURCES: JSON.stringify([
        {
          name: "github-bad",
          provider: "github",
          suppress: [
            { name: "typo", filter: { "payload..login": "me" } },
            { name: "no-login", preset: "github-bot" },
            { name: "unknown", preset: "gitlab-bot", login: "x" },
          ],
        },
      ]),
    };
    const { errors } = sourcesFor(bad);
    expect(errors).toEqual([
      {
        path: "HOOKGATE_SOURCES[0].suppress[0].filter.payload..login",
        message: expect.stringContaining('"payload..login" is not a path'),
      },
      { path: "HOOKGATE_SOURCES[0].suppress[1].login", message: expect.any(String) },
      { path: "HOOKGATE_SOURCES[0].suppress[2].preset", message: expect.any(String) },
    ]);
    const health = await worker.fetch(new Request(`${BASE}/healthz`), bad, createExecutionContext());
    expect(health.status).toBe(503);
  });
});

describe("sources defined in HOOKGATE_SOURCES", () => {
  it("give their events the same envelope as code sources: provenance and untrusted paths", async () => {
    const { status, body } = await send(await comment("ada", "User"));
    expect(status).toBe(202);
    const seen: WebhookEnvelope[] = [];
    const registry = new HandlerRegistry().on("*", "*", async function recordEnvelope(event) {
      seen.push(event);
    });
    await consume([messageFor("github-loop", body.id, "issue_comment.created")], registry);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.provenance).toMatchObject({ verified: true, signed: ["body"], key: "current" });
    expect(seen[0]?.untrusted).toContain("payload.comment.body");
  });
});
