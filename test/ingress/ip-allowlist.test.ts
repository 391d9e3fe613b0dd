import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { ipInRanges, parseCidr, parseIp } from "../../src/shared/ip-ranges";
import { BASE, githubEvent } from "../support/signed-requests";

const ranges = (...cidrs: string[]) => cidrs.map((cidr) => parseCidr(cidr)!);

describe("CIDR matching", () => {
  it("matches IPv4 ranges and single addresses", () => {
    const list = ranges("192.30.252.0/22", "3.18.12.63");
    expect(ipInRanges("192.30.255.255", list)).toBe(true);
    expect(ipInRanges("192.30.251.255", list)).toBe(false);
    expect(ipInRanges("3.18.12.63", list)).toBe(true);
    expect(ipInRanges("3.18.12.64", list)).toBe(false);
  });

  it("matches IPv6 ranges, compressed or not, and IPv4-mapped addresses as IPv4", () => {
    const list = ranges("2a0a:a440::/29", "10.0.0.0/8");
    expect(ipInRanges("2a0a:a447:ffff::1", list)).toBe(true);
    expect(ipInRanges("2a0a:a448::1", list)).toBe(false);
    expect(ipInRanges("2a0a:a440:0:0:0:0:0:1", list)).toBe(true);
    expect(ipInRanges("::ffff:10.1.2.3", list)).toBe(true);
  });

  it("rejects malformed addresses and ranges instead of guessing", () => {
    for (const bad of [
      "256.1.1.1",
      "1.2.3",
      "1.2.3.4/33",
      "::1/129",
      "1:2:3:4:5:6:7:8:9",
      "a::b::c",
      "",
      "1.2.3.4/x",
    ]) {
      expect(parseCidr(bad), bad).toBeNull();
    }
    expect(parseIp("not an ip")).toBeNull();
    expect(ipInRanges("garbage", ranges("0.0.0.0/0"))).toBe(false);
  });

  it("lets /0 match every address of its family", () => {
    expect(ipInRanges("8.8.8.8", ranges("0.0.0.0/0"))).toBe(true);
    expect(ipInRanges("2001:db8::1", ranges("0.0.0.0/0"))).toBe(false);
    expect(ipInRanges("2001:db8::1", ranges("::/0"))).toBe(true);
  });
});

/** A signed GitHub request whose body is a stream that records whether anyone read it. */
async function probedRequest(ip: string | null) {
  const fixture = await githubEvent();
  const bytes = typeof fixture.body === "string" ? new TextEncoder().encode(fixture.body) : fixture.body;
  const probe = { pulled: false };
  // highWaterMark 0: the stream pulls only when a reader asks, never to fill its own queue.
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        probe.pulled = true;
        controller.enqueue(bytes);
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  const headers = { ...fixture.headers, ...(ip ? { "cf-connecting-ip": ip } : {}) };
  return { request: new Request(`${BASE}${fixture.path}`, { method: "POST", headers, body }), probe };
}

describe("per-source allowlist", () => {
  const call = async (ip: string | null, allowed: string) => {
    const { request, probe } = await probedRequest(ip);
    const response = await worker.fetch(
      request,
      { ...env, GITHUB_ALLOWED_IPS: allowed },
      createExecutionContext(),
    );
    return { status: response.status, response, bodyRead: probe.pulled };
  };

  it("answers 403 to a client outside the list, before reading the body", async () => {
    const outside = await call("203.0.113.9", "@github-hooks");
    expect(outside.status).toBe(403);
    expect(outside.response.headers.get("content-type")).toBe("application/problem+json");
    expect(outside.bodyRead).toBe(false);
    const anonymous = await call(null, "@github-hooks");
    expect(anonymous.status).toBe(403);
    expect(anonymous.bodyRead).toBe(false);
  });

  it("accepts clients inside a preset or a CIDR list, reading their body", async () => {
    const preset = await call("140.82.115.4", "@github-hooks");
    expect(preset.status).toBe(202);
    expect(preset.bodyRead).toBe(true);
    expect((await call("2001:db8::7", "198.51.100.0/24, 2001:db8::/32")).status).toBe(202);
  });

  it("blocks everyone when every entry is malformed (fail closed)", async () => {
    expect((await call("203.0.113.9", "not-a-cidr")).status).toBe(403);
  });
});
