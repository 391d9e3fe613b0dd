/** The test suite: every test/**\/*.test.ts in workerd, against the bindings of wrangler.toml plus test secrets. */
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { LOOP_BREAKER_SOURCES } from "./test/support/loop-breaker-sources.ts";
import { TEST_SECRETS } from "./test/support/test-secrets.ts";

/**
 * The worker as wrangler.toml declares it, without the developer's `.dev.vars`: the plugin's
 * `wrangler.configPath` option always loads that file, so the tests saw whatever secrets it held. Like
 * `wrangler dev --env-file`, a list of env files replaces `.dev.vars`; this one names no file that exists,
 * so the test bindings come from this config alone. (`envFiles` is missing from wrangler's types.)
 */
const withoutDevVars = { overrides: {}, envFiles: ["test/support/tests-read-no-env-file"] };
/** The fields of a `[[queues.consumers]]` entry the tests keep (wrangler's config types resolve to `any`). */
type QueueConsumer = {
  queue: string;
  max_batch_size?: number;
  max_batch_timeout?: number;
  max_retries?: number;
  dead_letter_queue?: string;
};

const config = unstable_readConfig({ config: "./wrangler.toml" });
const worker = unstable_getMiniflareWorkerOptions(config, undefined, withoutDevVars);
const consumers = Object.fromEntries(
  config.queues.consumers.map((consumer: QueueConsumer) => [
    consumer.queue,
    {
      maxBatchSize: consumer.max_batch_size,
      maxRetries: consumer.max_retries,
      deadLetterQueue: consumer.dead_letter_queue,
      // wrangler.toml's own batch wait: tests run with the default settings, not tuned timers.
      maxBatchTimeout: consumer.max_batch_timeout,
    },
  ]),
);

/** Test files that need a runtime of their own (fresh storage, fresh module state). */
const ISOLATED = "test/**/*.isolated.test.ts";
/** Tests of the Node scripts (setup, deploy helpers): they run in Node, not in workerd. */
const NODE_SCRIPTS = "test/scripts/**/*.test.ts";

export default defineConfig(async () => {
  return {
    // Hides dependency source-map warnings; test failures and errors still print.
    logLevel: "error" as const,
    plugins: [
      cloudflareTest(({ inject }) => ({
        // src/index.ts plus the test-only Durable Objects (the Agent the agent-destination tests call).
        main: "./test/support/test-worker.ts",
        // Without --verbose, workerd does not print warnings for the inputs tests send on purpose (a
        // non-ASCII signature header). Unhandled errors still fail the run, and logs show for failed tests.
        verbose: false,
        miniflare: {
          ...worker.workerOptions,
          compatibilityFlags: [...config.compatibility_flags, "service_binding_extra_handlers"],
          queueConsumers: consumers,
          // Durable Objects only tests bind: their classes are exported by test/support/test-worker.ts. The
          // JobTracker deploys in its own Worker (script_name in wrangler.toml); tests run it in this one.
          durableObjects: Object.assign({}, worker.workerOptions.durableObjects, {
            TEST_JOB_TRACKER: { className: "TestJobTracker", useSQLite: true },
            JOB_TRACKER: { className: "JobTracker", useSQLite: true },
          }),
          bindings: {
            ...config.vars,
            ...TEST_SECRETS,
            AGENT_ENDPOINT_URL: `http://127.0.0.1:${inject<number>("sinkPort")}/agent/default`,
            ALLOW_FAULT_INJECTION: "true",
            FAULT_INJECTION_TEST_MARKER: "vitest.config.ts",
            HOOKGATE_SOURCES: JSON.stringify(LOOP_BREAKER_SOURCES),
          },
        },
      })),
    ],
    test: {
      globalSetup: ["./test/support/agent-sink-setup.ts"],
      // Pipeline logs are shown for failing tests only.
      silent: "passed-only" as const,
      testTimeout: 30_000,
      hookTimeout: 30_000,
      projects: [
        {
          // One workerd per Vitest worker, shared by the files it runs: starting one per file was 2/3 of
          // the run. Tests use their own event ids, sink buckets and client IPs, so they don't collide.
          extends: true,
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: [ISOLATED, NODE_SCRIPTS],
            isolate: false,
          },
        },
        {
          extends: true,
          test: { name: "isolated", include: [ISOLATED], isolate: true },
        },
        // Its own config file, so the workerd plugin above does not apply: these tests spawn the wrangler
        // CLI against a mocked Cloudflare API, in plain Node.
        "./test/scripts/vitest.config.ts",
      ],
    },
  };
});
