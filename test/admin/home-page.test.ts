import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE } from "../support/signed-requests";

describe("GET /", () => {
  it("answers a small page linking the dashboard, the docs and the health check, with /docs' headers", async () => {
    const response = await exports.default.fetch(new Request(`${BASE}/`));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const docs = await exports.default.fetch(new Request(`${BASE}/docs`));
    const policy = (r: Response) =>
      (r.headers.get("content-security-policy") ?? "").replace(/'nonce-[^']+'/, "'nonce'");
    expect(policy(response)).toBe(policy(docs));
    expect(policy(response)).toContain("default-src 'none'");
    for (const name of ["x-frame-options", "x-content-type-options", "referrer-policy"])
      expect(response.headers.get(name), name).toBe(docs.headers.get(name));
    const html = await response.text();
    for (const path of ["/admin", "/docs", "/healthz"]) expect(html).toContain(`href="${path}"`);
    expect(html).toContain('name="viewport"');
  });
});
