/**
 * `node scripts/lint-openapi.ts`: lints the OpenAPI document that `/openapi.json` serves with Redocly's
 * recommended rules, and exits non-zero on any error. It starts no server: esbuild bundles the document
 * builder (the same zod schemas the Worker uses) in memory, and the Redocly CLI reads the JSON it returns.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const REDOCLY = join(REPO, "node_modules/@redocly/cli/bin/cli.js");

const bundle = await build({
  entryPoints: [join(REPO, "src/openapi/openapi-document.ts")],
  bundle: true,
  write: false,
  format: "esm",
  platform: "node",
  logLevel: "error",
  // The document never calls an Agent, and the Agents SDK imports workerd-only modules (`cloudflare:…`)
  // that Node cannot load: a stub stands in for it.
  plugins: [
    {
      name: "stub-agents-sdk",
      setup(bundler) {
        bundler.onResolve({ filter: /^agents$/ }, () => ({ path: "agents", namespace: "stub" }));
        bundler.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
          contents: "export class Agent {} export const getAgentByName = null, routeAgentRequest = null;",
        }));
      },
    },
  ],
});
const code = bundle.outputFiles[0]?.text ?? "";
const { openApiDocument } = await import(
  `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`
);

const dir = mkdtempSync(join(tmpdir(), "hookgate-openapi-"));
try {
  const file = join(dir, "openapi.json");
  writeFileSync(file, JSON.stringify(openApiDocument("/"), null, 2));
  const lint = spawnSync(process.execPath, [REDOCLY, "lint", "--extends=recommended", file], {
    stdio: "inherit",
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    timeout: 120_000,
  });
  process.exitCode = lint.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
