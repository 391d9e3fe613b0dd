/** The lane options of a route (`orderBy`, `onPoison`, `coalesce`, `coalesceBy`), and how a lane key is read. */
import { describe, expect, it } from "vitest";
import { RouteInput } from "../../src/config/route-schema";
import { laneCallFor, type OrderedRoute } from "../../src/lanes/lane-ticket";

const base = { name: "jobs", sources: ["agentx"], destination: { handler: "h" } };
const event = { source: "agentx", id: "e1", type: "job.progress", shard: 0 };
const subject = (payload: unknown) => ({
  id: "e1",
  source: "agentx",
  type: "job.progress",
  payload,
  headers: {},
});

describe("route lane options", () => {
  it("accepts orderBy with its options", () => {
    const route = RouteInput.parse({
      ...base,
      orderBy: "payload.job_id",
      onPoison: "block",
      coalesce: "latest",
      coalesceBy: "payload.timestamp",
    });
    expect(route).toMatchObject({ orderBy: "payload.job_id", onPoison: "block", coalesce: "latest" });
  });

  it.each([
    [{ onPoison: "skip" }, "onPoison"],
    [{ coalesce: "latest" }, "coalesce"],
    [{ orderBy: "payload.id", coalesceBy: "payload.ts" }, "coalesceBy"],
    [{ orderBy: "body.id" }, "orderBy"],
    [{ orderBy: "payload.id", onPoison: "retry" }, "onPoison"],
    [{ orderBy: "payload.id", coalesce: "oldest" }, "coalesce"],
  ])("refuses %j, naming %s", (options, path) => {
    const result = RouteInput.safeParse({ ...base, ...options });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain(path);
  });
});

describe("laneCallFor", () => {
  const route = RouteInput.parse({
    ...base,
    orderBy: "payload.job.id",
    coalesce: "latest",
    coalesceBy: "payload.seq",
  }) as OrderedRoute;

  it("reads the key and the coalesceBy value as filters read paths, with the route's policy", () => {
    expect(laneCallFor(route, subject({ job: { id: 42 }, seq: "2026-11-30T01:00:00Z" }), event)).toEqual({
      route: "jobs",
      key: "42",
      policy: { onPoison: "skip", coalesce: "latest" },
      event,
      orderValue: "2026-11-30T01:00:00Z",
    });
  });

  it("has no lane for a missing, object, empty or over-long key (the event goes unordered)", () => {
    for (const id of [undefined, { a: 1 }, "", "k".repeat(257), Number.NaN])
      expect(laneCallFor(route, subject({ job: { id } }), event)).toBeNull();
  });

  it("ignores a coalesceBy value that is neither a number nor a short string", () => {
    expect(laneCallFor(route, subject({ job: { id: "a" }, seq: { n: 1 } }), event)?.orderValue).toBeNull();
  });
});
