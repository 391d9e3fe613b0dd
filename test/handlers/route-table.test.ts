/** Which routes an event gets when it is claimed: configured routes, code handlers, and `forward`'s place. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forward } from "../../src/handlers/forward-to-agent";
import { HandlerRegistry } from "../../src/handlers/handler-registry";
import { routesForEvent, runnerFor } from "../../src/handlers/route-table";

const noop = async () => {};

function registry() {
  return new HandlerRegistry()
    .on("*", "*", forward, { name: "forward" })
    .on("github", "issues.*", async function labeler() {})
    .on("stripe", "*", async function billing() {})
    .register(noop, { name: "summarize" });
}

const withRoutes = (routes: unknown): Env => {
  const added: Record<string, string> = { HOOKGATE_ROUTES: JSON.stringify(routes) };
  return { ...env, ...added };
};

const issue = (labels: string[]) => ({
  id: "1",
  source: "github",
  type: "issues.opened",
  payload: { issue: { labels: labels.map((name) => ({ name })) } },
  headers: {},
});

describe("routes chosen at claim time", () => {
  it("are undefined while no route is configured: handlers are matched at delivery, as before", () => {
    expect(routesForEvent(env, issue(["bug"]), registry())).toBeUndefined();
  });

  it("are the matching configured routes plus matching code handlers, without the implicit forward", () => {
    const testEnv = withRoutes([
      {
        name: "triage",
        sources: ["github"],
        types: ["issues.*"],
        filter: { "payload.issue.labels.name": "bug" },
        destination: { handler: "summarize" },
      },
      { name: "audit", sources: ["*"], types: ["push"], destination: { handler: "summarize" } },
    ]);
    const codeRegistry = registry();
    expect(routesForEvent(testEnv, issue(["bug"]), codeRegistry)).toEqual(["triage", "labeler"]);
    expect(routesForEvent(testEnv, issue(["docs"]), codeRegistry)).toEqual(["labeler"]);
    expect(routesForEvent(testEnv, { ...issue([]), source: "slack", type: "message" }, codeRegistry)).toEqual(
      [],
    );
  });

  it("resolve each name to what it runs: the route's destination and budget, else the code handler", () => {
    const testEnv = withRoutes([
      { name: "triage", sources: ["github"], destination: { handler: "summarize" }, maxAttempts: 2 },
    ]);
    const codeRegistry = registry();
    const triage = runnerFor("triage", testEnv, codeRegistry);
    expect(triage?.handler.name).toBe("triage");
    expect(triage?.handler.handler).toBe(noop);
    expect(triage?.maxAttempts).toBe(2);
    expect(runnerFor("labeler", testEnv, codeRegistry)?.maxAttempts).toBeUndefined();
    expect(runnerFor("gone", testEnv, codeRegistry)).toBeUndefined();
  });
});
