/** Runs every row of docs/bad-inputs.md: the doc is the test table. */

import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import matrix from "../../docs/bad-inputs.md?raw";
import { sources } from "../../src/config/sources";
import worker from "../../src/index";
import { BASE, genericEvent, githubEvent, post, slackEvent, stripeEvent } from "../support/signed-requests";
import { TEST_SECRETS } from "../support/test-secrets";
import { hardeningInputs } from "./hardening-inputs";

const MiB = 1024 * 1024;
const send = (request: Request) => exports.default.fetch(request);
/**
 * Calls the worker's fetch handler in this isolate. Streamed bodies go this way: through `exports`, workerd
 * pipes the stream to the worker, and when the worker stops reading at the limit the pipe's writer fails
 * with "disconnected: read end of pipe was aborted" (logged by workerd, harmless, as on a real connection).
 */
const handle = (request: Request, testEnv: object = env) =>
  worker.fetch(request, testEnv, createExecutionContext());
const withHeaders = async (headers: Record<string, string>, body?: string) => {
  const fixture = await githubEvent();
  return post({ ...fixture, headers: { ...fixture.headers, ...headers }, body: body ?? fixture.body });
};
const stripeSigned = async (body: string | Uint8Array) => {
  const fixture = await stripeEvent();
  const header = fixture.headers["stripe-signature"]!;
  const t = header.split(",")[0]!.slice(2);
  const signed = Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)]);
  const v1 = createHmac("sha256", TEST_SECRETS.STRIPE_WEBHOOK_SECRET).update(signed).digest("hex");
  return post({ ...fixture, headers: { ...fixture.headers, "stripe-signature": `t=${t},v1=${v1}` }, body });
};
const method = (verb: string) => new Request(`${BASE}/webhooks/github`, { method: verb });
const stream = (bytes: number) => {
  let left = bytes;
  return new ReadableStream({
    pull(controller) {
      controller.enqueue(new Uint8Array(64 * 1024));
      left -= 64 * 1024;
      if (left <= 0) controller.close();
    },
  });
};

/** One request builder per row of the table, keyed by the `input` column. */
const inputs: Record<string, () => Promise<Response>> = {
  "no body, no signature": async () => send(new Request(`${BASE}/webhooks/github`, { method: "POST" })),
  "empty body, signed": async () => send(await stripeSigned("")),
  "invalid UTF-8 body, signed": async () =>
    send(await stripeSigned(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))),
  "invalid JSON body, signed": async () => send(await stripeSigned('{"id": "evt_1", ')),
  "JSON without an event id, signed": async () => send(await stripeSigned('{"type":"charge.succeeded"}')),
  "body 1 byte over the limit": async () => send(await withHeaders({}, "x".repeat(MiB + 1))),
  "chunked body (no Content-Length) over the limit": async () =>
    handle(new Request(`${BASE}/webhooks/github`, { method: "POST", body: stream(2 * MiB) })),
  "Content-Length that lies (says 10, sends 2 MiB)": async () =>
    handle(
      new Request(`${BASE}/webhooks/github`, {
        method: "POST",
        headers: { "content-length": "10" },
        body: stream(2 * MiB),
      }),
    ),
  "body stream broken off by the client": async () =>
    handle(
      new Request(`${BASE}/webhooks/github`, {
        method: "POST",
        body: new ReadableStream({
          pull(controller) {
            controller.error(new Error("client went away"));
          },
        }),
      }),
    ),
  "duplicated signature headers": async () => {
    const request = await withHeaders({});
    request.headers.append("x-hub-signature-256", request.headers.get("x-hub-signature-256")!);
    return send(request);
  },
  "extremely long signature header (16 KiB)": async () =>
    send(await withHeaders({ "x-hub-signature-256": `sha256=${"a".repeat(16 * 1024)}` })),
  "signature in the wrong encoding (base64 for hex)": async () => {
    const fixture = await githubEvent();
    const b64 = createHmac("sha256", TEST_SECRETS.GITHUB_WEBHOOK_SECRET)
      .update(String(fixture.body))
      .digest("base64");
    return send(
      post({ ...fixture, headers: { ...fixture.headers, "x-hub-signature-256": `sha256=${b64}` } }),
    );
  },
  "unicode look-alike prefix (`ѕha256=`, Cyrillic s)": async () => {
    const fixture = await githubEvent();
    const signature = fixture.headers["x-hub-signature-256"]!.replace(/^s/, "");
    // A raw HTTP request carries the UTF-8 bytes; the runtime exposes them as Latin-1 characters.
    const lookalike = String.fromCharCode(...new TextEncoder().encode("ѕ"));
    return send(
      post({
        ...fixture,
        headers: { ...fixture.headers, "x-hub-signature-256": `${lookalike}${signature}` },
      }),
    );
  },
  "`sha1=` instead of `sha256=`": async () => {
    const fixture = await githubEvent();
    const sha1 = createHmac("sha1", TEST_SECRETS.GITHUB_WEBHOOK_SECRET)
      .update(String(fixture.body))
      .digest("hex");
    return send(post({ ...fixture, headers: { ...fixture.headers, "x-hub-signature-256": `sha1=${sha1}` } }));
  },
  "signature made with another secret": async () =>
    send(post(await githubEvent(undefined, { secret: "guess" }))),
  "timestamp 1 hour in the future": async () =>
    send(post(await stripeEvent(undefined, { timestamp: Math.floor(Date.now() / 1000) + 3600 }))),
  "timestamp 1 day in the past": async () =>
    send(post(await stripeEvent(undefined, { timestamp: Math.floor(Date.now() / 1000) - 86_400 }))),
  "valid request replayed 10 minutes later": async () =>
    send(post(slackEvent(undefined, { timestamp: Math.floor(Date.now() / 1000) - 600 }))),
  "non-numeric timestamp": async () => {
    const fixture = slackEvent();
    return send(post({ ...fixture, headers: { ...fixture.headers, "x-slack-request-timestamp": "1e9" } }));
  },
  "path traversal in `:source` (`..%2F..%2Fadmin`)": async () =>
    send(new Request(`${BASE}/webhooks/..%2F..%2Fadmin`, { method: "POST", body: "{}" })),
  "unknown source": async () => send(new Request(`${BASE}/webhooks/nobody`, { method: "POST", body: "{}" })),
  GET: async () => send(method("GET")),
  PUT: async () => send(method("PUT")),
  DELETE: async () => send(method("DELETE")),
  HEAD: async () => send(method("HEAD")),
  OPTIONS: async () => send(method("OPTIONS")),
  "event id longer than 512 characters, signed": async () =>
    send(post(genericEvent({ id: "x".repeat(513), type: "t" }))),
  "any webhook while the stored-request bucket `STORED_REQUESTS` is not bound (503 with `Retry-After`)":
    async () => handle(await withHeaders({}), { ...env, STORED_REQUESTS: undefined } as unknown as Env),
  "any webhook while `HOOKGATE_SOURCES` is invalid (503 with `Retry-After`)": async () =>
    handle(await withHeaders({}), { ...env, HOOKGATE_SOURCES: "[{" }),
  "any webhook while `HOOKGATE_ROUTES` is invalid, e.g. a `secretVar` that is not set (503 with `Retry-After`)":
    async () =>
      handle(await withHeaders({}), {
        ...env,
        HOOKGATE_ROUTES: JSON.stringify([
          {
            name: "triage",
            sources: ["github"],
            destination: { url: "https://triage.example.com/hook", secretVar: "UNSET_TRIAGE_SECRET" },
          },
        ]),
      }),
  "any webhook while an `agent` route names a binding that is no Durable Object namespace (503 with `Retry-After`)":
    async () =>
      handle(await withHeaders({}), {
        ...env,
        HOOKGATE_ROUTES: JSON.stringify([
          {
            name: "tracker",
            sources: ["github"],
            destination: { agent: { binding: "NO_SUCH_AGENT", name: "payload.job_id", method: "onWebhook" } },
          },
        ]),
      }),
  "client outside the source's IP allowlist": async () =>
    handle(await withHeaders({ "cf-connecting-ip": "203.0.113.7" }), {
      ...env,
      GITHUB_ALLOWED_IPS: "@github-hooks",
    }),
  "repeated forged signatures from one IP (31st attempt)": async () => {
    const forged = { "x-hub-signature-256": `sha256=${"1".repeat(64)}`, "cf-connecting-ip": "192.0.2.31" };
    for (let i = 0; i < 30; i++) await (await send(await withHeaders(forged))).body?.cancel();
    return send(await withHeaders(forged));
  },
  ...hardeningInputs,
};

const rows = matrix
  .split("\n")
  .filter((line) => line.startsWith("| ") && !line.startsWith("| input") && !/^\|\s*-/.test(line))

  .map((line) => {
    const [input = "", source = "", status = "", reason = ""] = line
      .split("|")
      .slice(1, -1)
      .map((cell) => cell.trim());
    return { input, source, status: Number(status), reason };
  });

let logged: string[] = [];
beforeEach(() => {
  logged = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void logged.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

const secretValues = Object.values(TEST_SECRETS);

describe("bad-input matrix (docs/bad-inputs.md)", () => {
  it("has a request builder for every row, and every builder has a row", () => {
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.map((r) => r.input).sort()).toEqual(Object.keys(inputs).sort());
  });

  it.each(rows)("$input → $status ($reason)", async ({ input, source, status, reason }) => {
    const response = await inputs[input]!();
    const body = await response.text();
    expect(response.status).toBe(status);
    if (input !== "HEAD") expect(response.headers.get("content-type")).toBe("application/problem+json");
    for (const secret of secretValues) expect(body).not.toContain(secret);
    expect(body).not.toMatch(/\bat\s+\S+\s+\(|Error:/);
    const rejections = logged
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.stage === "ingress")
      .map((entry) => ({
        source: entry.source,
        reason: entry.reason,
      }));
    const rejection = rejections.find((entry) => entry.reason === reason);
    expect(rejection, JSON.stringify(rejections)).toBeDefined();
    // "—": the request named no configured source.
    if (source === "—") expect(sources.has(rejection?.source)).toBe(false);
    else expect(rejection?.source).toBe(source);
  });
});
