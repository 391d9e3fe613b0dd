/** Vitest global setup (runs in Node): starts the agent sink and hands its port to the Workers tests. */
import type { TestProject } from "vitest/node";
import { startAgentSink } from "../../scripts/agent-sink.ts";

export default async function setup(project: TestProject) {
  const { server, port } = await startAgentSink();
  project.provide("sinkPort", port);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

declare module "vitest" {
  export interface ProvidedContext {
    sinkPort: number;
  }
}
