/** The route schema, and every route example the docs and config templates show: each one validates. */
import { describe, expect, it } from "vitest";
import devVarsExample from "../../.dev.vars.example?raw";
import readme from "../../README.md?raw";
import { RouteInput, RouteList } from "../../src/config/route-schema";
import { routes } from "../../src/config/routes";
import wranglerToml from "../../wrangler.toml?raw";

/** The README's Routes section, from its heading to the next `## `. */
const routesSection = readme.slice(readme.indexOf("\n## Routes\n"), readme.indexOf("\n## Configuration\n"));

function readmeExamples(): unknown[] {
  const json = [...routesSection.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? ""));
  const toml = [...routesSection.matchAll(/HOOKGATE_ROUTES = '''([\s\S]*?)'''/g)].map((m) =>
    JSON.parse(m[1] ?? ""),
  );
  return [...json, ...toml].map((example) => (Array.isArray(example) ? example : [example]));
}

describe("route examples", () => {
  it("in the README's Routes section validate", () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) expect(RouteList.safeParse(example).error).toBeUndefined();
  });

  it("in wrangler.toml's and .dev.vars.example's comments validate", () => {
    const uncommented = wranglerToml.replace(/^# ?/gm, "");
    const fromToml = /HOOKGATE_ROUTES = '''([\s\S]*?)'''/.exec(uncommented)?.[1];
    const fromDevVars = /^# HOOKGATE_ROUTES='(.*)'$/m.exec(devVarsExample)?.[1];
    for (const text of [fromToml, fromDevVars]) {
      expect(text).toBeDefined();
      expect(RouteList.safeParse(JSON.parse(text ?? "")).error).toBeUndefined();
    }
  });

  it("routes.ts is empty by default, so nothing changes until a route is added", () => {
    expect(routes).toEqual([]);
  });
});

describe("RouteInput", () => {
  const url = "https://agent.example.com/hook";
  const agentRoute = (change: Record<string, string | number>) => ({
    name: "a",
    sources: ["*"],
    destination: {
      agent: { binding: "JOB_TRACKER", name: "payload.job_id", method: "onWebhook", ...change },
    },
  });

  it("keeps a url destination's fields and a handler destination's name", () => {
    expect(
      RouteInput.parse({ name: "a", sources: ["*"], destination: { url, secretVar: "A_SECRET" } })
        .destination,
    ).toEqual({
      url,
      secretVar: "A_SECRET",
      signingKeyVar: undefined,
      timeoutMs: undefined,
    });
    expect(
      RouteInput.parse({ name: "b", sources: ["*"], destination: { handler: "h" } }).destination,
    ).toEqual({ handler: "h" });
    const agent = { binding: "JOB_TRACKER", name: "payload.job_id", method: "onWebhook" };
    expect(RouteInput.parse({ name: "c", sources: ["*"], destination: { agent } }).destination).toEqual({
      agent,
    });
    const timed = { ...agent, timeoutMs: 2000 };
    expect(
      RouteInput.parse({ name: "d", sources: ["*"], destination: { agent: timed } }).destination,
    ).toEqual({
      agent: timed,
    });
  });

  it.each([
    ["a name with a colon", { name: "a:b", sources: ["*"], destination: { url } }],
    ["no sources", { name: "a", sources: [], destination: { url } }],
    [
      "a secret in place of a variable name",
      { name: "a", sources: ["*"], destination: { url, secretVar: "whsec_abc" } },
    ],
    [
      "signing fields on a handler destination",
      { name: "a", sources: ["*"], destination: { handler: "h", secretVar: "A" } },
    ],
    ["an unknown field", { name: "a", sources: ["*"], destination: { url }, retries: 3 }],
    [
      "an invalid filter",
      { name: "a", sources: ["*"], destination: { url }, filter: { "payload.x": { $regex: "." } } },
    ],
    ["maxAttempts 0", { name: "a", sources: ["*"], destination: { url }, maxAttempts: 0 }],
    ["an agent method that is no identifier", agentRoute({ method: "on-webhook" })],
    ["an agent method Object has", agentRoute({ method: "toString" })],
    ["an agent method the runtime owns", agentRoute({ method: "fetch" })],
    ["an agent method that makes the stub a thenable", agentRoute({ method: "then" })],
    ["an agent method of the Agents SDK", agentRoute({ method: "setState" })],
    ["an agent name that is no path", agentRoute({ name: "payload..job_id" })],
    ["an agent name through __proto__", agentRoute({ name: "payload.__proto__.x" })],
    ["an agent binding that is no name", agentRoute({ binding: "JOB TRACKER" })],
    ["an agent and a url", { ...agentRoute({}), destination: { ...agentRoute({}).destination, url } }],
    ["an agent timeout under 100 ms", agentRoute({ timeoutMs: 50 })],
    ["an agent timeout that is no number", agentRoute({ timeoutMs: "15s" })],
  ])("refuses %s", (_what, route) => {
    expect(RouteInput.safeParse(route).success).toBe(false);
  });
});
