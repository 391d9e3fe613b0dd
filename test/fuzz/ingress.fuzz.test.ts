/** Property test on the HTTP route: arbitrary method, headers and body never give 5xx, and never 2xx unsigned. */
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sources } from "../../src/config/sources";
import { BASE } from "../support/signed-requests";

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
