/** `npm run setup:cloudflare` against a mocked Cloudflare API (Node-side: it drives the wrangler CLI). */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type MockCloudflareApi, startMockCloudflareApi } from "./mock-cloudflare-api";

const root = new URL("../../", import.meta.url).pathname;
let api: MockCloudflareApi;
let workDir: string;

/** Runs the script asynchronously: the mock API answers from this same process. */
function runSetup(...args: string[]): Promise<{ status: number | null; output: string }> {
  const options = {
    cwd: workDir,
    timeout: 60_000,
    env: {
      ...process.env,
      PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH}`,
      CLOUDFLARE_API_BASE_URL: api.baseUrl,
      CLOUDFLARE_API_TOKEN: "mock-token",
      CLOUDFLARE_ACCOUNT_ID: "mock-account",
      WRANGLER_SEND_METRICS: "false",
    },
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(root, "scripts/setup-cloudflare.ts"), ...args],
      options,
      (error, stdout, stderr) =>
        resolve({
          status: error ? (typeof error.code === "number" ? error.code : null) : 0,
          output: `${stdout}${stderr}`,
        }),
    );
  });
}

/** The lifecycle rule wrangler PUTs for `lifecycle add <bucket> hookgate-orphan-backstop --expire-days <days>`. */
const orphanBackstop = (days: number) => ({
  id: "hookgate-orphan-backstop",
  enabled: true,
  conditions: {},
  deleteObjectsTransition: { condition: { maxAge: days * 86_400, type: "Age" } },
});

beforeEach(async () => {
  api = await startMockCloudflareApi();
  workDir = mkdtempSync(join(tmpdir(), "hookgate-setup-"));
  cpSync(join(root, "wrangler.toml"), join(workDir, "wrangler.toml"));
});

afterEach(async () => {
  await api.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe("npm run setup:cloudflare", () => {
  it("creates every queue, the stored-requests bucket with its orphan backstop, and a fresh rate-limit namespace", async () => {
    const run = await runSetup();
    expect(run.output).not.toMatch(/ERROR/);
    expect(run.status).toBe(0);
    expect([...api.queues].sort()).toEqual(["hookgate-dead-letter", "hookgate-events", "hookgate-events-2"]);
    expect([...api.buckets]).toEqual(["hookgate-requests"]);
    expect(run.output).toContain("✓ bucket hookgate-requests created");
    // CLAIM_RETENTION_DAYS = "7" in wrangler.toml: orphaned segments go one day after the claims would.
    expect(api.lifecycleRules.get("hookgate-requests")).toEqual([orphanBackstop(8)]);
    const toml = readFileSync(join(workDir, "wrangler.toml"), "utf8");
    expect(toml).not.toContain('namespace_id = "1001"');
    expect(toml).toMatch(/namespace_id = "\d{6,}"/);
  });

  it("is safe to run twice: existing queues are reused and the written namespace is kept", async () => {
    expect((await runSetup()).status).toBe(0);
    const first = readFileSync(join(workDir, "wrangler.toml"), "utf8");
    const second = await runSetup();
    expect(second.status).toBe(0);
    expect(second.output).toContain("already exists");
    expect(second.output).toContain("✓ bucket hookgate-requests already exists");
    expect(api.lifecycleRules.get("hookgate-requests")).toEqual([orphanBackstop(8)]);
    expect(readFileSync(join(workDir, "wrangler.toml"), "utf8")).toBe(first);
  });

  it("replaces the backstop rule when CLAIM_RETENTION_DAYS changes and keeps the account's other rules", async () => {
    expect((await runSetup()).status).toBe(0);
    const operatorRule = { id: "operator-tmp", enabled: true, conditions: { prefix: "tmp/" } };
    api.lifecycleRules.get("hookgate-requests")?.unshift(operatorRule);
    const toml = readFileSync(join(workDir, "wrangler.toml"), "utf8");
    writeFileSync(
      join(workDir, "wrangler.toml"),
      toml.replace('CLAIM_RETENTION_DAYS = "7"', 'CLAIM_RETENTION_DAYS = "30"'),
    );
    const second = await runSetup();
    expect(second.status).toBe(0);
    expect(api.lifecycleRules.get("hookgate-requests")).toEqual([operatorRule, orphanBackstop(31)]);
  });

  it("answers --help with its usage, and an unknown option with the usage and exit 2 (no stack trace)", async () => {
    const help = await runSetup("--help");
    expect(help.status).toBe(0);
    expect(help.output).toContain("--dry-run");
    const wrong = await runSetup("--bogus");
    expect(wrong.status).toBe(2);
    expect(wrong.output).toContain("Unknown option '--bogus'");
    expect(wrong.output).not.toMatch(/\n\s+at /);
    expect(api.calls).toHaveLength(0);
  });

  it("changes nothing and calls no API in a dry run", async () => {
    const before = readFileSync(join(workDir, "wrangler.toml"), "utf8");
    const run = await runSetup("--dry-run");
    expect(run.status).toBe(0);
    expect(run.output).toContain("would run wrangler queues create hookgate-events-2");
    expect(run.output).toContain("would run wrangler r2 bucket create hookgate-requests");
    expect(api.calls).toEqual([]);
    expect(readFileSync(join(workDir, "wrangler.toml"), "utf8")).toBe(before);
  });
});
