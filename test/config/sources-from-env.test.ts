/** `HOOKGATE_SOURCES`: parsed once per env, merged over sources.ts, and every mistake reported with its path. */
import { describe, expect, it } from "vitest";
import { sources } from "../../src/config/sources";
import { sourcesFor } from "../../src/config/sources-from-env";

const AGENTX = {
  name: "agentx",
  provider: "hmac",
  secretVar: "AGENTX_WEBHOOK_SECRET",
  hmac: { header: "X-AgentX-Signature", prefix: "sha256=", id: ["payload.job_id"], type: "payload.event" },
};

const envWith = (value: unknown) => ({
  HOOKGATE_SOURCES: typeof value === "string" ? value : JSON.stringify(value),
});

describe("HOOKGATE_SOURCES", () => {
  it("adds its sources to sources.ts, and replaces a code source of the same name", () => {
    const github = { name: "github", provider: "github", allowedIps: ["@github-hooks"] };
    const { sources: merged, errors } = sourcesFor(envWith([AGENTX, github]));
    expect(errors).toEqual([]);
    expect(merged.get("agentx")?.provider).toBe("hmac");
    expect(merged.get("github")?.allowedIps).toEqual(["@github-hooks"]);
    expect(merged.get("github")?.secretVar).toBe("GITHUB_WEBHOOK_SECRET");
    expect(merged.size).toBe(sources.size + 1);
  });

  it("is optional: unset or empty means sources.ts alone", () => {
    expect(sourcesFor({})).toEqual({ sources, errors: [] });
    expect(sourcesFor({ HOOKGATE_SOURCES: "" }).errors).toEqual([]);
  });

  it("parses once per env object", () => {
    const env = envWith([AGENTX]);
    expect(sourcesFor(env)).toBe(sourcesFor(env));
  });

  it("reports invalid JSON with the variable's name", () => {
    const { errors } = sourcesFor(envWith("[{ name: agentx }"));
    expect(errors).toEqual([{ path: "HOOKGATE_SOURCES", message: expect.stringMatching(/^not valid JSON/) }]);
  });

  it("reports each schema error with its path and message", () => {
    const broken = [
      { ...AGENTX, hmac: { ...AGENTX.hmac, id: { header: "x-agentx-job" } } },
      { name: "Bad Name", provider: "github" },
      "github",
    ];
    const { errors } = sourcesFor(envWith(broken));
    expect(errors).toEqual(
      expect.arrayContaining([
        {
          path: "HOOKGATE_SOURCES[0].hmac.id",
          message: expect.stringMatching(/does not cover header x-agentx-job/),
        },
        { path: "HOOKGATE_SOURCES[1].name", message: expect.any(String) },
        { path: "HOOKGATE_SOURCES[2]", message: expect.any(String) },
      ]),
    );
  });

  it("refuses duplicate names within the variable, and a non-array", () => {
    expect(sourcesFor(envWith([AGENTX, AGENTX])).errors).toEqual([
      { path: "HOOKGATE_SOURCES", message: "source names must be unique" },
    ]);
    expect(sourcesFor(envWith({ name: "agentx" })).errors).toHaveLength(1);
  });
});
