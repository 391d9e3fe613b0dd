/** The Node-side tests of the scripts (project "node" of ../../vitest.config.ts): plain Node, no workerd. */
import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "node", include: ["**/*.test.ts"], environment: "node", testTimeout: 120_000 },
});
