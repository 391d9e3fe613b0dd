/** Event ids and types that could not be stored, read back or addressed are refused at ingress with 400. */
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { checkEventKey } from "../../src/ingress/check-event-key";
import { genericEvent, githubEvent, post, stripeEvent } from "../support/signed-requests";

const send = (request: Request) => exports.default.fetch(request);

async function status(request: Request) {
  const response = await send(request);
  await response.body?.cancel();
  return response.status;
}

describe("event ids at ingress", () => {
  it("answers 400 to a signed id with a lone surrogate, before anything is stored", async () => {
    const id = `evt_sur\ud800${crypto.randomUUID()}`;
    expect(await status(post(await stripeEvent({ id, type: "x.y" })))).toBe(400);
  });

  it("answers 400 to a lone surrogate in the type", async () => {
    const id = `evt_${crypto.randomUUID()}`;
    expect(await status(post(await stripeEvent({ id, type: "x.\udc00" })))).toBe(400);
  });

  it("answers 400 to ids that a URL cannot address (`.` and `..`)", async () => {
    for (const id of [".", ".."]) {
      expect(await status(post(await stripeEvent({ id, type: "x.y" }))), id).toBe(400);
    }
  });

  it("answers 400 to an id with control characters", async () => {
    expect(await status(post(genericEvent({ id: `a\u0000${crypto.randomUUID()}` })))).toBe(400);
  });

  it("never lets two header ids that differ in a non-ASCII byte collide as duplicates", async () => {
    const suffix = crypto.randomUUID();
    const first = await status(post(await githubEvent({ n: 1 }, { id: `bytes-\xfe${suffix}` })));
    const second = await status(post(await githubEvent({ n: 2 }, { id: `bytes-\xe9${suffix}` })));
    expect([first, second]).not.toContain(200);
  });

  it("refuses a U+FFFD (a header decoded lossily), so two different byte strings cannot collide", () => {
    expect(checkEventKey("bytes-\ufffd", "t")).toMatchObject({ ok: false });
    expect(checkEventKey("bytes-é", "t")).toMatchObject({ ok: true });
  });

  it("cuts a long type without splitting a surrogate pair", () => {
    const type = `${"a".repeat(255)}😀`;
    const checked = checkEventKey("evt_1", type);
    expect(checked.ok && checked.value.type).toBe("a".repeat(255));
  });
});

describe("ingress log lines", () => {
  afterEach(() => vi.restoreAllMocks());

  it("stay bounded at LOG_LEVEL=debug, however long the event type", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const id = `evt_${crypto.randomUUID()}`;
    const request = post(await stripeEvent({ id, type: "t".repeat(300_000) }));
    const response = await worker.fetch(request, { ...env, LOG_LEVEL: "debug" }, createExecutionContext());
    expect(response.status).toBe(202);
    const ingress = lines.filter((line) => line.includes('"stage":"ingress"'));
    expect(ingress.length).toBeGreaterThan(0);
    for (const line of ingress) expect(line.length).toBeLessThan(1024);
  });
});
