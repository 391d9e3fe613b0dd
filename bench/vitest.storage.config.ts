/** Runs bench/storage-work.perf.ts in the test suite's Workers pool, with its output shown. */
import { defineConfig } from "vitest/config";
import suite from "../vitest.config.ts";

export default defineConfig(async (env) => {
  const base = await (typeof suite === "function" ? suite(env) : suite);
  const test = { ...base.test, projects: undefined };
  return {
    ...base,
    test: {
      ...test,
      include: ["bench/storage-work.perf.ts"],
      silent: false,
      testTimeout: 120_000,
      hookTimeout: 60_000,
    },
  };
});
