/** LOG_LEVEL: failures always reach the log; per-event successes only at debug; one summary per batch. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { app } from "../../src/app";
import { GiveUp } from "../../src/handlers/handler-error";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { consume, messageFor } from "../support/pipeline";
import { githubEvent, post } from "../support/signed-requests";

let lines: Record<string, unknown>[] = [];
beforeEach(() => {
  lines = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(JSON.parse(String(line))));
});
afterEach(() => vi.restoreAllMocks());

const debugEnv = (): Env => ({ ...env, LOG_LEVEL: "debug" });

async function receive(testEnv: Env): Promise<string> {
  const fixture = await githubEvent({
    action: "opened",
    logLevel: testEnv.LOG_LEVEL,
    nonce: crypto.randomUUID(),
  });
  const ctx = createExecutionContext();
  const response = await app.fetch(post(fixture), testEnv, ctx);
  await waitOnExecutionContext(ctx);
  expect(response.status).toBe(202);
  return fixture.headers["x-github-delivery"] as string;
}

const ingressLinesFor = (id: string) => lines.filter((line) => line.stage === "ingress" && line.id === id);

function registryWith(outcomes: ("ok" | "fail")[]) {
  let call = 0;
  return new HandlerRegistry().on(
    "*",
    "*",
    async () => {
      if (outcomes[call++] === "fail") throw new Error("agent said no");
    },
    { name: `log_probe_${crypto.randomUUID().slice(0, 8)}` },
  );
}

describe("LOG_LEVEL", () => {
  it("writes no line for an accepted event at info, and one at debug", async () => {
    const quiet = await receive(env);
    expect(ingressLinesFor(quiet)).toEqual([]);

    const loud = await receive(debugEnv());
    expect(ingressLinesFor(loud)).toEqual([
      expect.objectContaining({ stage: "ingress", id: loud, status: 202, outcome: "accepted" }),
    ]);
  });

  it("always logs a rejection with its reason", async () => {
    const fixture = await githubEvent({ action: "opened" });
    fixture.headers["x-hub-signature-256"] = `sha256=${"0".repeat(64)}`;
    const response = await app.fetch(post(fixture), env, createExecutionContext());
    expect(response.status).toBe(401);
    expect(lines).toContainEqual(expect.objectContaining({ stage: "ingress", status: 401 }));
  });

  it("sums a consumer batch up in one line, and logs failed deliveries but not successful ones at info", async () => {
    const ids = [await receive(env), await receive(env)];
    lines = [];
    await consume(
      ids.map((id) => messageFor("github", id, "issues")),
      registryWith(["ok", "fail"]),
    );
    const deliver = lines.filter((line) => line.stage === "deliver");
    expect(deliver.filter((line) => line.outcome === "done")).toEqual([]);
    expect(deliver.filter((line) => line.outcome === "failed")).toEqual([
      expect.objectContaining({ error: "agent said no", destination: expect.stringMatching(/^handler /) }),
    ]);
    const [failed] = deliver.filter((line) => line.outcome === "failed");
    expect(failed?.nextTryInSeconds).toBeGreaterThan(0);
    expect(typeof failed?.ts).toBe("string");
    // This consumer's batch line (the suite's own queue consumer may log a batch of its own meanwhile).
    expect(deliver.filter((line) => line.outcome === "batch")).toContainEqual(
      expect.objectContaining({ messages: 2, done: 1, failed: 1, dead: 0 }),
    );
  });

  it("logs each successful delivery at debug", async () => {
    const testEnv = debugEnv();
    const id = await receive(testEnv);
    lines = [];
    await consume([messageFor("github", id, "issues", testEnv)], registryWith(["ok"]), testEnv);
    expect(lines).toContainEqual(expect.objectContaining({ stage: "deliver", id, outcome: "done" }));
  });
});

describe("refusals and dead letters say why", () => {
  it("logs a 401's reason as a flat string, beside its details", async () => {
    const fixture = await githubEvent({ action: "opened" });
    fixture.headers["x-hub-signature-256"] = `sha256=${"0".repeat(64)}`;
    await app.fetch(post(fixture), env, createExecutionContext());
    expect(lines).toContainEqual(
      expect.objectContaining({ stage: "ingress", status: 401, reason: "bad_signature" }),
    );
  });

  it("gives a dead-letter line its cause", async () => {
    const id = await receive(env);
    lines = [];
    const registry = new HandlerRegistry().on(
      "*",
      "*",
      async () => {
        throw new GiveUp("the agent refused this event for good");
      },
      { name: `giveup_${crypto.randomUUID().slice(0, 8)}` },
    );
    await consume([messageFor("github", id, "issues")], registry);
    expect(lines).toContainEqual(
      expect.objectContaining({ stage: "dead-letter", id, cause: "the agent refused this event for good" }),
    );
  });
});
