/**
 * Ordered lanes end to end: the real ingress appends each accepted event to its LaneKeeper, the real
 * consumer runs only a lane's head, and the lane sends the next one when the head settles. As in
 * routes.test.ts, events live in private ledger shards whose queue sends fail on purpose (the worker's own
 * consumer has no routes), and each LaneKeeper's sends fail too: the tests consume the exact messages the
 * lane owes (`owedMessages`), with the env the routes are configured in.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ledgerFor } from "../../src/claim/shard-for-event";
import { handlers } from "../../src/handlers/agent-handlers";
import { LaneView } from "../../src/lanes/lane-schemas";
import { laneKeeperFor } from "../../src/lanes/lane-ticket";
import { loginCookie } from "../dashboard/login-session";
import { deliveries, sinkUrl } from "../support/agent-sink-client";
import { consume, expireWaits, inspectLedger } from "../support/pipeline";
import { acceptQuietly, fetchWorker, QUIET_SHARDS } from "../support/quiet-shards";
import { BASE } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const SHARDS = QUIET_SHARDS;
const KEY = "7";

/** One ordered route to its own sink bucket; `extra` adds route options (onPoison, coalesce, …). */
function laneSetup(query = "", extra: Record<string, unknown> = {}, run = crypto.randomUUID().slice(0, 8)) {
  const route = `jobs-${run}`;
  const bucket = `lanes-${run}`;
  const testEnv: Env = {
    ...env,
    ...({
      CLAIM_SHARDS: String(SHARDS),
      HOOKGATE_ROUTES: JSON.stringify([
        {
          name: route,
          sources: ["github"],
          destination: { url: sinkUrl(bucket, query), timeoutMs: 5000 },
          orderBy: "payload.issue.number",
          ...extra,
        },
      ]),
    } as Record<string, string>),
  };
  return { route, bucket, testEnv };
}

const send = fetchWorker;

/** Accepts one issue event for lane `key` through the real ingress; returns its queue message. */
function acceptIssue(testEnv: Env, key: string, payloadExtra: Record<string, unknown> = {}) {
  return acceptQuietly(testEnv, (id) => ({
    action: "edited",
    issue: { number: Number(key), node: id },
    ...payloadExtra,
  }));
}

/** A lane whose queue sends fail, so the test consumes what it owes. */
async function quietLane(testEnv: Env, route: string, key = KEY) {
  const lane = laneKeeperFor(testEnv, route, key);
  await lane.injectFaults({ failSends: 1000 });
  return lane;
}

const idsAt = async (bucket: string) =>
  (await deliveries(bucket)).map(
    (d) => JSON.parse(d.body) as { id: string; lane?: LaneView & { seq: number; skipped?: string[] } },
  );

const admin = (path: string, testEnv: Env, init: RequestInit = {}) =>
  send(
    new Request(`${BASE}/admin/api${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
    }),
    testEnv,
  );

describe("ordered lanes", () => {
  it("delivers one key's events one at a time in acceptance order while the first is slow, another key meanwhile", async () => {
    const { route, bucket, testEnv } = laneSetup("delayMs=1500");
    const lane = await quietLane(testEnv, route);
    await quietLane(testEnv, route, "8");
    const other = await acceptIssue(testEnv, "8");
    const [a, b, c] = [
      await acceptIssue(testEnv, KEY),
      await acceptIssue(testEnv, KEY),
      await acceptIssue(testEnv, KEY),
    ];

    // The head runs slowly; meanwhile the later events' messages arrive (reversed) and wait, spending
    // nothing, while another key's event is delivered.
    const slow = consume([a], handlers, testEnv);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const meanwhile = await consume([c, b, other], handlers, testEnv);
    expect(meanwhile.result.explicitAcks.sort()).toEqual(meanwhile.batch.messages.map((m) => m.id).sort());
    expect((await inspectLedger("github", b.id, testEnv)).deliveries).toEqual([]);
    await slow;
    const [first, second] = await deliveries(bucket);
    expect([first, second].map((d) => JSON.parse(d?.body ?? "{}").id)).toEqual([a.id, other.id]);
    expect(second!.at - first!.at).toBeLessThan(1500);

    // The lane tried to send b's message (its sends fail here), and owes it, and only it; then c's.
    expect((await lane.faultReport()).failedSends).toBeGreaterThan(0);
    const owedB = await lane.owedMessages();
    expect(owedB).toEqual([{ ...b, handler: route }]);
    await consume(owedB, handlers, testEnv);
    const owedC = await lane.owedMessages();
    expect(owedC).toEqual([{ ...c, handler: route }]);
    await consume(owedC, handlers, testEnv);

    const seen = (await idsAt(bucket)).filter((d) => d.id !== other.id);
    expect(seen.map((d) => d.id)).toEqual([a.id, b.id, c.id]);
    expect(seen.map((d) => d.lane)).toEqual([
      { key: KEY, seq: 1 },
      { key: KEY, seq: 2 },
      { key: KEY, seq: 3 },
    ]);
    // Waiting spent no attempt: b ran once, as attempt 1.
    expect((await inspectLedger("github", b.id, testEnv)).deliveries).toMatchObject([
      { state: "done", attempts: 1 },
    ]);
    // No overlap: b started only after a's slow answer.
    const at = (await deliveries(bucket)).filter((d) => JSON.parse(d.body).id !== other.id).map((d) => d.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1500);
    expect((await lane.lane(KEY))?.state).toBe("idle");
  });

  it("delivers different keys in parallel, in one batch", async () => {
    const { route, bucket, testEnv } = laneSetup();
    await quietLane(testEnv, route, "1");
    await quietLane(testEnv, route, "2");
    const x = await acceptIssue(testEnv, "1");
    const y = await acceptIssue(testEnv, "2");
    await consume([x, y], handlers, testEnv);
    expect((await idsAt(bucket)).map((d) => d.id).sort()).toEqual([x.id, y.id].sort());
  });

  it("keeps the order across a failing head: the next waits for the head's retry, then goes", async () => {
    const { route, bucket, testEnv } = laneSetup("fail=1");
    const lane = await quietLane(testEnv, route);
    const a = await acceptIssue(testEnv, KEY);
    const b = await acceptIssue(testEnv, KEY);
    const first = await consume([a, b], handlers, testEnv);
    expect(first.result.retryMessages).toHaveLength(1);
    expect(await lane.owedMessages()).toEqual([]);
    expect((await lane.lane(KEY))?.lastError).toMatch(/500/);
    await expireWaits("github", a.id, testEnv);
    await consume([a], handlers, testEnv, 2);
    await consume(await lane.owedMessages(), handlers, testEnv);
    await expireWaits("github", b.id, testEnv);
    await consume([{ ...b, handler: route }], handlers, testEnv, 2);
    const seen = (await deliveries(bucket)).map((d) => [JSON.parse(d.body).id, d.status]);
    expect(seen).toEqual([
      [a.id, 500],
      [a.id, 200],
      [b.id, 500],
      [b.id, 200],
    ]);
  });

  it("onPoison skip: a dead head is dead-lettered and the next envelope carries lane.skipped", async () => {
    const { route, bucket, testEnv } = laneSetup("status=410");
    const lane = await quietLane(testEnv, route);
    const a = await acceptIssue(testEnv, KEY);
    const b = await acceptIssue(testEnv, KEY);
    await consume([a, b], handlers, testEnv);
    expect((await inspectLedger("github", a.id, testEnv)).event?.status).toBe("dead");
    await consume(await lane.owedMessages(), handlers, testEnv);
    const seen = await idsAt(bucket);
    expect(seen.map((d) => d.id)).toEqual([a.id, b.id]);
    expect(seen[1]?.lane).toEqual({ key: KEY, seq: 2, skipped: [a.id] });
  });

  it("onPoison block: a dead head blocks its lane, shown by the admin API, until an operator skips it", async () => {
    const { route, bucket, testEnv } = laneSetup("status=410", { onPoison: "block" });
    const lane = await quietLane(testEnv, route);
    const a = await acceptIssue(testEnv, KEY);
    const b = await acceptIssue(testEnv, KEY);
    await consume([a, b], handlers, testEnv);
    expect(await lane.owedMessages()).toEqual([]);
    await consume([b], handlers, testEnv, 2);
    expect((await idsAt(bucket)).map((d) => d.id)).toEqual([a.id]);

    const blocked = await admin(`/routes/${route}/lanes?state=blocked`, testEnv);
    expect(blocked.status).toBe(200);
    const list = (await blocked.json()) as { lanes: LaneView[] };
    expect(list.lanes.map((l) => [l.key, l.state, l.head?.id, l.waiting])).toEqual([
      [KEY, "blocked", a.id, 1],
    ]);
    const one = LaneView.parse(await (await admin(`/routes/${route}/lanes/${KEY}`, testEnv)).json());
    expect(one.lastError).toMatch(/410/);

    // The dashboard shows the blocked lane with a Skip button (behind the session and origin checks).
    const session = await loginCookie();
    const page = await send(
      new Request(`${BASE}/admin/routes/${route}/lanes`, { headers: { cookie: session } }),
      testEnv,
    );
    const html = await page.text();
    expect(html).toContain(`data-lane="${KEY}"`);
    expect(html).toContain(`action="/admin/routes/${route}/lanes/${KEY}/skip"`);
    const crossSite = await send(
      new Request(`${BASE}/admin/routes/${route}/lanes/${KEY}/skip`, {
        method: "POST",
        headers: { cookie: session, origin: "https://evil.example" },
      }),
      testEnv,
    );
    expect(crossSite.status).toBe(403);

    const skipped = await admin(`/routes/${route}/lanes/${KEY}/skip`, testEnv, { method: "POST" });
    expect(skipped.status).toBe(200);
    expect(LaneView.parse(await skipped.json()).head?.id).toBe(b.id);
    await consume(await lane.owedMessages(), handlers, testEnv);
    const seen = await idsAt(bucket);
    expect(seen.map((d) => d.id)).toEqual([a.id, b.id]);
    expect(seen[1]?.lane).toEqual({ key: KEY, seq: 2, skipped: [a.id] });
  });

  it("coalesce latest: of a waiting burst only the newest is delivered; the others end superseded", async () => {
    const { route, bucket, testEnv } = laneSetup("", { coalesce: "latest" });
    const lane = await quietLane(testEnv, route);
    const [a, b, c, d] = [
      await acceptIssue(testEnv, KEY),
      await acceptIssue(testEnv, KEY),
      await acceptIssue(testEnv, KEY),
      await acceptIssue(testEnv, KEY),
    ];
    await consume([d, c, b], handlers, testEnv);
    await consume([a], handlers, testEnv);
    const owed = await lane.owedMessages();
    expect(owed.map((m) => m.id).sort()).toEqual([b.id, c.id, d.id].sort());
    await consume(owed, handlers, testEnv);
    expect((await idsAt(bucket)).map((x) => [x.id, x.lane?.seq])).toEqual([
      [a.id, 1],
      [d.id, 4],
    ]);
    for (const older of [b, c]) {
      const ledger = await inspectLedger("github", older.id, testEnv);
      expect(ledger.event?.status).toBe("superseded");
      expect(ledger.deliveries.map((x) => x.state)).toEqual(["superseded"]);
      // It never ran: no attempt counted.
      expect(ledger.deliveries.map((x) => x.attempts)).toEqual([0]);
    }
  });

  it("coalesceBy drops an update not newer than one already accepted", async () => {
    const { route, bucket, testEnv } = laneSetup("", { coalesce: "latest", coalesceBy: "payload.seq" });
    await quietLane(testEnv, route);
    const newer = await acceptIssue(testEnv, KEY, { seq: 5 });
    const stale = await acceptIssue(testEnv, KEY, { seq: 3 });
    await consume([newer, stale], handlers, testEnv);
    expect((await idsAt(bucket)).map((x) => x.id)).toEqual([newer.id]);
    expect((await inspectLedger("github", stale.id, testEnv)).event?.status).toBe("superseded");
  });

  it("admin API: 404 for a route without orderBy, 409 skipping a lane that is not blocked, 404 for an unknown key", async () => {
    const { route, testEnv } = laneSetup();
    await quietLane(testEnv, route);
    await acceptIssue(testEnv, KEY);
    expect((await admin("/routes/nope/lanes", testEnv)).status).toBe(404);
    expect((await admin(`/routes/${route}/lanes/${KEY}/skip`, testEnv, { method: "POST" })).status).toBe(409);
    expect((await admin(`/routes/${route}/lanes/99`, testEnv)).status).toBe(404);
    const waiting = await admin(`/routes/${route}/lanes?state=waiting`, testEnv);
    expect(((await waiting.json()) as { lanes: unknown[] }).lanes).toEqual([]);
    const all = (await (await admin(`/routes/${route}/lanes`, testEnv)).json()) as { lanes: LaneView[] };
    expect(all.lanes.map((l) => [l.key, l.state, l.waiting])).toEqual([[KEY, "active", 0]]);
    expect((await admin(`/routes/${route}/lanes?state=nope`, testEnv)).status).toBe(400);
    expect((await admin(`/routes/${route}/lanes/${"k".repeat(300)}`, testEnv)).status).toBe(400);
    expect(await (await admin(`/routes/${route}`, testEnv)).json()).toMatchObject({
      order: { orderBy: "payload.issue.number", onPoison: "skip", coalesce: null, coalesceBy: null },
    });
  });

  it("keeps the order when the consumer dies during the head's delivery, before recording it", async () => {
    const { route, bucket, testEnv } = laneSetup();
    const lane = await quietLane(testEnv, route);
    const a = await acceptIssue(testEnv, KEY);
    const b = await acceptIssue(testEnv, KEY);
    const crashing = { ...testEnv, FAULT_INJECTION: JSON.stringify({ settleFails: true }) };
    await consume([a], handlers, crashing);
    await consume([b], handlers, testEnv);
    expect(await lane.owedMessages()).toEqual([]);
    expect((await lane.lane(KEY))?.head?.id).toBe(a.id);
    await expireWaits("github", a.id, testEnv);
    await consume([a], handlers, testEnv, 2);
    await consume(await lane.owedMessages(), handlers, testEnv);
    expect((await idsAt(bucket)).map((d) => d.id)).toEqual([a.id, a.id, b.id]);
  });

  it("finishes a head from the ledger when its report was lost, so the lane does not stall", async () => {
    const { route, testEnv } = laneSetup();
    const lane = await quietLane(testEnv, route);
    const a = await acceptIssue(testEnv, KEY);
    const b = await acceptIssue(testEnv, KEY);
    // The ledger records a's delivery as done, but the lane is never told (the consumer died after the settle).
    const ledger = ledgerFor(testEnv, a.shard);
    const [begun] = await ledger.beginDeliveries([{ source: "github", id: a.id, handlers: [route] }]);
    const attempt = begun?.found ? (begun.handlers[0]?.attempt ?? 0) : 0;
    await ledger.settleDeliveries([{ source: "github", id: a.id, handler: route, attempt, outcome: "done" }]);
    expect(await lane.owedMessages()).toEqual([]);
    await runInDurableObject(lane, (_instance, state) => {
      state.storage.sql.exec("UPDATE lane_entries SET updated_at = 0");
    });
    expect(await runDurableObjectAlarm(lane)).toBe(true);
    expect(await lane.owedMessages()).toEqual([{ ...b, handler: route }]);
  });

  it("an event its lane does not know (its append failed at ingress) joins when the consumer first sees it", async () => {
    const { route, bucket, testEnv } = laneSetup();
    await quietLane(testEnv, route);
    // Accepted while the route had no orderBy: no append happened at ingress.
    const plain = laneSetup("", { orderBy: undefined }, route.slice("jobs-".length)).testEnv;
    const a = await acceptIssue(plain, KEY);
    expect(await laneKeeperFor(testEnv, route, KEY).lane(KEY)).toBeNull();
    await consume([a], handlers, testEnv);
    const seen = await idsAt(bucket);
    expect(seen.map((d) => [d.id, d.lane])).toEqual([[a.id, { key: KEY, seq: 1 }]]);
  });

  it("onPoison block: a redriven head runs as the head, and its success unblocks the lane", async () => {
    const { route, bucket, testEnv } = laneSetup("fail=1", { onPoison: "block", maxAttempts: 1 });
    const lane = await quietLane(testEnv, route);
    const a = await acceptIssue(testEnv, KEY);
    const b = await acceptIssue(testEnv, KEY);
    await consume([a, b], handlers, testEnv);
    expect((await lane.lane(KEY))?.state).toBe("blocked");
    expect(await ledgerFor(testEnv, a.shard).reviveDead({ source: "github", id: a.id })).toBe(1);
    await consume([a], handlers, testEnv, 2);
    expect((await lane.lane(KEY))?.head?.id).toBe(b.id);
    await consume(await lane.owedMessages(), handlers, testEnv);
    expect((await deliveries(bucket)).map((d) => [JSON.parse(d.body).id, d.status])).toEqual([
      [a.id, 500],
      [a.id, 200],
      [b.id, 500],
    ]);
  });

  it("dashboard: the Skip button skips a blocked head and comes back to the page", async () => {
    const { route, testEnv } = laneSetup("status=410", { onPoison: "block" });
    const lane = await quietLane(testEnv, route);
    const a = await acceptIssue(testEnv, KEY);
    const b = await acceptIssue(testEnv, KEY);
    await consume([a], handlers, testEnv);
    const session = await loginCookie();
    const pressed = await send(
      new Request(`${BASE}/admin/routes/${route}/lanes/${KEY}/skip`, {
        method: "POST",
        redirect: "manual",
        headers: { cookie: session, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
      }),
      testEnv,
    );
    expect(pressed.status).toBe(303);
    expect(pressed.headers.get("location")).toBe(`/admin/routes/${route}/lanes?skipped=${KEY}`);
    expect((await lane.lane(KEY))?.head?.id).toBe(b.id);
    const again = await send(
      new Request(`${BASE}/admin/routes/${route}/lanes?skipped=${KEY}`, { headers: { cookie: session } }),
      testEnv,
    );
    expect(await again.text()).toContain(`Skipped the head of lane ${KEY}.`);
  });
});
