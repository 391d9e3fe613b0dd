import { exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { inShardOf, logEvents } from "../support/event-log-rows";
import { BASE } from "../support/signed-requests";
import { loginCookie } from "./login-session";

let session = "";
beforeAll(async () => {
  session = await loginCookie();
});

async function html(path: string, status = 200): Promise<string> {
  const response = await exports.default.fetch(
    new Request(`${BASE}${path}`, { redirect: "manual", headers: { cookie: session } }),
  );
  expect(response.status, path).toBe(status);
  return response.text();
}

/** Ids of the rows in the page's event table. */
const listedIds = (page: string) => [...page.matchAll(/data-event-id="([^"]+)"/g)].map((m) => m[1]);

describe("search from the dashboard", () => {
  it("finds events by id prefix and type glob, and keeps the filters in the form", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await logEvents("github", [
      { id: `find_${tag}_1`, type: `pull_request${tag}.opened`, status: "delivered" },
      { id: `find_${tag}_2`, type: `issues${tag}.opened`, status: "delivered" },
    ]);
    expect(listedIds(await html(`/admin?id=find_${tag}_1`))).toEqual([`find_${tag}_1`]);
    const byType = await html(`/admin?id=find_${tag}&type=issues${tag}.*`);
    expect(listedIds(byType)).toEqual([`find_${tag}_2`]);
    expect(byType).toContain(`name="id" value="find_${tag}"`);
  });
});

describe("the route filter", () => {
  it("lists the events sent to a route, keeps it in the form, and shows filtered events", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    await logEvents("github", [
      { id: `rt_${tag}_1`, status: "delivered", routes: ["billing"] },
      { id: `rt_${tag}_2`, status: "filtered", routes: [] },
    ]);
    const page = await html(`/admin?id=rt_${tag}&route=billing`);
    expect(listedIds(page)).toEqual([`rt_${tag}_1`]);
    expect(page).toContain('name="route" value="billing"');
    expect(listedIds(await html(`/admin?id=rt_${tag}&status=filtered`))).toEqual([`rt_${tag}_2`]);
  });
});

describe("live refresh", () => {
  it("is off unless asked for, on the list and on an in-flight event", async () => {
    const id = `flight_${crypto.randomUUID().slice(0, 8)}`;
    await logEvents("github", [
      { id, status: "retrying", attempts: 2, lastError: "RetryLater: agent answered 502" },
    ]);
    expect(await html("/admin")).not.toContain('http-equiv="refresh"');
    expect(await html("/admin?live=1")).toContain('http-equiv="refresh"');
    const detail = await html(`/admin/events/github/${id}`);
    expect(detail).not.toContain('http-equiv="refresh"');
    expect(detail).toContain(`href="/admin/events/github/${id}?live=1"`);
    expect(await html(`/admin/events/github/${id}?live=1`)).toContain('http-equiv="refresh"');
  });
});

describe("attempts and errors on the event page", () => {
  it("shows attempt n of max, errors without class names, and both actions explained", async () => {
    const id = `dead_${crypto.randomUUID().slice(0, 8)}`;
    await logEvents("github", [
      { id, status: "dead", attempts: 8, lastError: "RetryLater: agent answered 500" },
    ]);
    await inShardOf("github", id, (sql, seq) =>
      sql.exec(
        `INSERT INTO failed_attempts (seq, handler, attempt, outcome, error, started_at, duration_ms)
         VALUES (?, 'forward', 8, 'dead', 'TypeError: Network connection lost.', ?, 12)`,
        seq,
        Date.now(),
      ),
    );
    const page = await html(`/admin/events/github/${id}`);
    expect(page).toContain("8 of 8");
    expect(page).toContain("connection lost to the destination");
    expect(page).toContain("agent answered 500");
    expect(page).not.toMatch(/RetryLater|TypeError/);
    expect(page).toContain("replays are runs of their own, not added");
    expect(page).toContain("Replay runs the event through its handlers again");
    expect(page).toContain("Redrive gives a dead event");
    expect(page).toContain('class="table-scroll"');
  });
});

describe("confirm before replay and redrive all", () => {
  it("asks before a replay: the button leads to a page whose form posts it", async () => {
    const id = `confirm_${crypto.randomUUID().slice(0, 8)}`;
    await logEvents("github", [{ id, status: "delivered" }]);
    const detail = await html(`/admin/events/github/${id}`);
    expect(detail).toContain(`<form method="get" action="/admin/events/github/${id}/replay">`);
    const confirm = await html(`/admin/events/github/${id}/replay?handler=forward`);
    expect(confirm).toContain("Replay this event?");
    expect(confirm).toContain(`<form method="post" action="/admin/events/github/${id}/replay">`);
    expect(confirm).toContain('<input type="hidden" name="handler" value="forward"/>');
    expect(confirm).toContain("Replay now");
    expect(confirm).toContain(`href="/admin/events/github/${id}"`);
    await html(`/admin/events/github/${id}/replay?handler=nope`, 400);
    await html("/admin/events/github/no-such-event/replay", 404);
  });

  it("asks before redriving all dead letters", async () => {
    await logEvents("github", [{ id: `dl_${crypto.randomUUID().slice(0, 8)}`, status: "dead" }]);
    const list = await html("/admin/dead-letters");
    expect(list).toContain('<form method="get" action="/admin/dead-letters/redrive">');
    const confirm = await html("/admin/dead-letters/redrive");
    expect(confirm).toContain("Redrive all dead letters?");
    expect(confirm).toContain('<form method="post" action="/admin/dead-letters/redrive">');
    expect(confirm).toMatch(/Redrive \d+ events? now/);
    expect(confirm).toContain('href="/admin/dead-letters"');
  });
});
