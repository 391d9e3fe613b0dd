import { exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { adminApi } from "../../src/admin/admin-api";
import { EventDetail, EventList, EventStatus } from "../../src/admin/admin-schemas";
import { operatorError } from "../../src/admin/operator-error";
import { logEvents } from "../support/event-log-rows";
import { BASE } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const admin = (path: string, init: RequestInit = {}) =>
  exports.default.fetch(
    new Request(`${BASE}/admin/api${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}`, ...init.headers },
    }),
  );

async function list(query: string) {
  const response = await admin(`/events?${query}`);
  expect(response.status).toBe(200);
  return EventList.parse(await response.json()).events.map((event) => event.id);
}

describe("search by event id and type glob", () => {
  it("finds an event by its exact id or a prefix of it", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await logEvents("stripe", [
      { id: `evt_${tag}_one`, type: "charge.succeeded", status: "delivered" },
      { id: `evt_${tag}_two`, type: "charge.failed", status: "delivered" },
      { id: `other_${tag}`, type: "charge.failed", status: "delivered" },
    ]);
    expect(await list(`id=evt_${tag}_one`)).toEqual([`evt_${tag}_one`]);
    expect((await list(`id=evt_${tag}`)).sort()).toEqual([`evt_${tag}_one`, `evt_${tag}_two`]);
    expect(await list(`id=evt_${tag}_three`)).toEqual([]);
  });

  it("treats glob characters in an id as literal text", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await logEvents("stripe", [
      { id: `g_${tag}_a`, type: "x", status: "delivered" },
      { id: `g_${tag}*[?]`, type: "x", status: "delivered" },
    ]);
    expect(await list(`id=${encodeURIComponent(`g_${tag}*`)}`)).toEqual([`g_${tag}*[?]`]);
    expect(await list(`id=${encodeURIComponent(`g_${tag}?`)}`)).toEqual([]);
  });

  it("matches types exactly, or by a glob where * matches anything", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await logEvents("stripe", [
      { id: `t_${tag}_1`, type: `customer${tag}.created`, status: "delivered" },
      { id: `t_${tag}_2`, type: `customer${tag}.subscription.updated`, status: "delivered" },
      { id: `t_${tag}_3`, type: `invoice${tag}.paid`, status: "delivered" },
    ]);
    expect((await list(`id=t_${tag}&type=customer${tag}.*`)).sort()).toEqual([`t_${tag}_1`, `t_${tag}_2`]);
    expect(await list(`id=t_${tag}&type=customer${tag}.created`)).toEqual([`t_${tag}_1`]);
    expect(await list(`id=t_${tag}&type=customer${tag}.`)).toEqual([]);
    expect((await list(`id=t_${tag}&type=*${tag}.*`)).length).toBe(3);
  });
});

describe("unknown query parameters", () => {
  afterEach(() => vi.restoreAllMocks());

  it("are refused with 400 on every admin API endpoint", async () => {
    const routes = adminApi.routes.filter((route) => route.method !== "ALL");
    expect(routes.length).toBeGreaterThanOrEqual(6);
    for (const { method, path } of routes) {
      const concrete = path.replace(":source", "github").replace(":id", "some-id");
      const response = await admin(`${concrete}?evnet_id=x`, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "GET" ? null : "{}",
      });
      expect(response.status, `${method} ${path}`).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.text()).toContain("evnet_id");
    }
  });

  it("logs why a request was refused", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    expect((await admin("/metrics?windoww=60")).status).toBe(400);
    const logged = lines.map((line) => JSON.parse(line)).find((line) => line.outcome === "invalid_request");
    expect(logged).toMatchObject({ stage: "admin", path: "/admin/api/metrics" });
    expect(logged.reason).toContain("windoww");
  });

  it("refuses unknown fields in the redrive body", async () => {
    const response = await admin("/dead-letters/redrive", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ limt: 1 }),
    });
    expect(response.status).toBe(400);
  });
});

describe("errors as operators read them", () => {
  it("drops class names and rephrases runtime messages", () => {
    expect(operatorError("RetryLater: agent answered 503")).toBe("agent answered 503");
    expect(operatorError("GiveUp: agent answered 410 Gone")).toBe("agent answered 410 Gone");
    expect(operatorError("Error: handler timed out after 54000 ms")).toBe("handler timed out after 54000 ms");
    expect(operatorError("TypeError: Network connection lost.")).toBe("connection lost to the destination");
    expect(operatorError("TimeoutError: The operation was aborted due to timeout")).toBe(
      "the destination did not answer in time",
    );
    expect(operatorError('handler "x" is not registered')).toBe('handler "x" is not registered');
    expect(operatorError(null)).toBeNull();
  });

  it("shows no class name in the list or the detail, and no stale error once delivered", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await logEvents("github", [
      {
        id: `dead_${tag}`,
        type: "issues.opened",
        status: "dead",
        lastError: "RetryLater: agent answered 500",
      },
      {
        id: `ok_${tag}`,
        type: "issues.opened",
        status: "delivered",
        lastError: "TypeError: Network connection lost.",
      },
    ]);
    const response = await admin(`/events?id=${encodeURIComponent(`dead_${tag}`)}`);
    const [dead] = EventList.parse(await response.json()).events;
    expect(dead?.lastError).toBe("agent answered 500");

    const detail = EventDetail.parse(await (await admin(`/events/github/ok_${tag}`)).json());
    expect(detail.event.lastError).toBeNull();
    expect(detail.maxAttempts).toBe(8);
  });
});

describe("events no handler matched", () => {
  it("are listed, filtered and counted under their own status", async () => {
    const id = `nohandler_${crypto.randomUUID().slice(0, 8)}`;
    await logEvents("github", [{ id, type: "ping", status: "no_handler", attempts: 0 }]);
    expect(await list(`status=no_handler&id=${id}`)).toEqual([id]);
    const metrics = await admin("/metrics");
    expect(metrics.status).toBe(200);
    const { byStatus } = await metrics.json<{ byStatus: Record<string, number> }>();
    expect(byStatus.no_handler).toBeGreaterThanOrEqual(1);
    const { total, ...counts } = byStatus;
    expect(Object.keys(counts).sort()).toEqual(EventStatus.options.toSorted());
    expect(total).toBe(Object.values(counts).reduce((sum, n) => sum + n, 0));
  });
});
