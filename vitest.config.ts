import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_SECRETS } from "./test/support/test-secrets";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    // Hides dependency source-map warnings; test failures and errors still print.
    logLevel: "error" as const,
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          compatibilityFlags: ["service_binding_extra_handlers"],
          queueConsumers: { "hookgate-events": { maxBatchTimeout: 0.05 } },
          bindings: {
            ...TEST_SECRETS,
            AGENT_ENDPOINT_URL: `http://127.0.0.1:${inject<number>("sinkPort")}/agent/default`,
            ALLOW_FAULT_INJECTION: "true",
            FAULT_INJECTION_TEST_MARKER: "vitest.config.ts",
            TEST_MIGRATIONS: migrations,
          },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/support/agent-sink-setup.ts"],
      setupFiles: ["./test/support/apply-migrations.ts"],
      include: ["test/**/*.test.ts"],
      // Pipeline logs are shown for failing tests only.
      silent: "passed-only" as const,
      testTimeout: 30_000,
      hookTimeout: 30_000,
    },
  };
});
