/**
 * The Worker the tests run: the gateway's own entry (src/index.ts) plus Durable Object classes that only
 * tests bind (vitest.config.ts adds their bindings), so test-only classes never ship, and the JobTracker,
 * which deploys in its own Worker (wrangler.jobs.toml) but runs here in tests.
 */

export { JobTracker } from "../../src/agents/job-tracker";
export * from "../../src/index";
export { default } from "../../src/index";
export { TestJobTracker } from "./test-job-tracker";
