/** The event detail page says which of the source's secrets verified the event (current or previous). */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventDetailView } from "../../src/admin/load-event-detail";
import { EventDetailPage } from "../../src/dashboard/event-detail-page";
import { waitForDeliveries } from "../support/agent-sink-client";
import { accept } from "../support/pipeline";
import { BASE, githubEvent } from "../support/signed-requests";
import { loginCookie } from "./login-session";

/** A delivered event's detail as the loader builds it, verified with `verifiedWith`. */
function detailOf(verifiedWith: EventDetailView["verifiedWith"]): EventDetailView {
  return {
    event: {
      source: "github",
      id: "delivery-1",
      type: "issues.opened",
      status: "delivered",
      receivedAt: "2026-11-30T01:00:00.000Z",
      attemptCount: 1,
      lastError: null,
      deliveredAt: "2026-11-30T01:00:01.000Z",
      latencyMs: 1000,
      bodySize: 2,
      suppressedBy: null,
    },
    attempts: [],
    deliveries: [],
    maxAttempts: 8,
    maxAttemptsByRoute: {},
    routes: null,
    headers: {},
    payload: {},
    bodyText: "{}",
    payloadAvailable: true,
    verifiedWith,
  };
}

const render = async (detail: EventDetailView) =>
  String(
    await EventDetailPage({
      detail,
      handlerNames: [],
      notice: null,
      refreshSeconds: undefined,
      liveLink: null,
    })?.toString(),
  );

describe("verified with, on the event detail page", () => {
  it("names the previous secret during a rotation, and the current one otherwise", async () => {
    const previous = await render(detailOf("previous"));
    expect(previous).toMatch(/<dt>verified with<\/dt><dd data-verified-with="previous">the previous secret/);
    expect(await render(detailOf("current"))).toMatch(/data-verified-with="current">the current secret/);
  });

  it("says nothing when it is not known", async () => {
    expect(await render(detailOf(null))).not.toContain("verified with");
  });
});

describe("the event page of a real event", () => {
  it("shows the secret the ledger recorded when it verified the event", async () => {
    const id = await accept(await githubEvent());
    await waitForDeliveries(id);
    const page = await exports.default.fetch(
      new Request(`${BASE}/admin/events/github/${id}`, { headers: { cookie: await loginCookie() } }),
    );
    expect(await page.text()).toMatch(/data-verified-with="current"/);
  });
});
