/** Property test on the HTTP route: arbitrary method, headers and body never give 5xx, and never 2xx unsigned. */
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { sources } from "../../src/config/sources";
import { BASE, genericEvent, post } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";

const method = fc.constantFrom("POST", "POST", "POST", "GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
const sourceName = fc.oneof(fc.constantFrom(...sources.keys()), fc.string({ maxLength: 30 }));
const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/);
const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "x-hub-signature-256",
      "stripe-signature",
      "content-type",
      "content-length",
      "webhook-id",
    ),
    token,
  ),
  fc.string({ maxLength: 300 }).map((v) => v.replace(/[^\x20-\x7e]/g, "")),
  { maxKeys: 6 },
);
const body = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }),
  fc.json().map((j) => new TextEncoder().encode(j)),
);

describe("ingress on arbitrary requests", () => {
  it("never answers 5xx, and never 2xx without a valid signature", async () => {
    await fc.assert(
      fc.asyncProperty(method, sourceName, headers, body, async (m, source, h, b) => {
        const hasBody = m !== "GET" && m !== "HEAD";
        const request = new Request(`${BASE}/webhooks/${encodeURIComponent(source)}`, {
          method: m,
          headers: h,
          body: hasBody ? b : undefined,
        });
        const response = await exports.default.fetch(request);
        await response.body?.cancel();
        expect(response.status).toBeLessThan(500);
        expect(response.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 300 },
    );
  });
});

/** Logs in through the dashboard's own form, so the test holds whatever the session cookie carries. */
async function dashboardCookie(): Promise<string> {
  const response = await exports.default.fetch(
    new Request(`${BASE}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ token: TEST_SECRETS.ADMIN_TOKEN }).toString(),
    }),
  );
  expect(response.status).toBe(303);
  return (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
}

/** Ids a URL or a router could mangle, then arbitrary ones (any UTF-16, lone surrogates included). */
const trickyIds = [
  ".",
  "..",
  "...",
  "%",
  "%2F",
  "%2e",
  "%2E%2E",
  "a/b",
  "a/../b",
  "?x=1",
  "#top",
  " ",
  "\\",
  "+",
];
const eventId = fc.oneof(
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(".", "/", "%", "2", "e", "F", "?", "#", "&", "\\", " "), minLength: 1 }),
);

describe("every accepted id opens in the admin API and the dashboard", () => {
  it("answers 202 only for ids whose detail and event page both load", async () => {
    const suffix = crypto.randomUUID().slice(0, 8);
    const ids = [...trickyIds, ...fc.sample(eventId, { numRuns: 60, seed: 1011 })].map((id, n) =>
      // Unique per run and per sample; the tricky ids are also sent bare, as the first few.
      n < trickyIds.length ? id : `${id}${suffix}${n}`,
    );
    const accepted: string[] = [];
    for (const id of ids) {
      const response = await exports.default.fetch(post(genericEvent({ id, type: "fuzz" })));
      const body = await response.text();
      expect(response.status, JSON.stringify(id)).toBeLessThan(500);
      if (response.status === 202) accepted.push(id);
      else if (response.status !== 200) expect(response.status, body).toBe(400);
    }
    expect(accepted.length).toBeGreaterThan(ids.length / 2);
    const cookie = await dashboardCookie();
    const auth = { authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` };
    for (const id of accepted) {
      const path = `generic/${encodeURIComponent(id)}`;
      const api = await vi.waitUntil(
        async () => {
          const response = await exports.default.fetch(
            new Request(`${BASE}/admin/api/events/${path}`, { headers: auth }),
          );
          if (response.status === 200) return response;
          await response.body?.cancel();
          return false;
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(((await api.json()) as { event: { id: string } }).event.id, JSON.stringify(id)).toBe(id);
      const page = await exports.default.fetch(
        new Request(`${BASE}/admin/events/${path}`, { headers: { cookie } }),
      );
      expect(page.status, JSON.stringify(id)).toBe(200);
      await page.body?.cancel();
    }
  });
});
