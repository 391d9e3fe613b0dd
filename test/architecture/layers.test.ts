/**
 * The import rule that keeps `src/` readable as a pipeline: a folder may import only the folders listed
 * after it in LAYERS (and `shared/`), never one before it. `src/app.ts` (the app root) and `src/index.ts`
 * (the Worker's entry) may import anything. docs/architecture.md ("Layers") explains the order.
 */
import { describe, expect, it } from "vitest";

/** Top to bottom: each folder may import those below it. `shared/` imports nothing of ours. */
const LAYERS = [
  ["dashboard", "openapi"],
  ["admin"],
  ["ingress"],
  ["queue"],
  ["lanes"],
  ["alerts"],
  ["agents"],
  ["claim"],
  ["event-log"],
  ["handlers"],
  ["config"],
  ["routes"],
  ["providers"],
  ["normalize"],
  ["verify"],
  ["shared"],
] as const;

const sources = import.meta.glob<string>("../../src/**/*.{ts,tsx}", {
  eager: true,
  query: "?raw",
  import: "default",
});

const rankOf = new Map<string, number>(
  LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank] as const)),
);

function folderOf(path: string): string | null {
  const match = /src\/([^/]+)\//.exec(path);
  return match?.[1] ?? null;
}

/** Every `from "../<folder>/…"` in a file: the folders it reaches into. */
function importedFolders(text: string): string[] {
  return [...text.matchAll(/from\s+"\.\.\/([a-z-]+)\//g)].map((match) => match[1] ?? "");
}

describe("src/ layering", () => {
  it("knows every folder of src/", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(100);
    const folders = new Set(
      Object.keys(sources)
        .map(folderOf)
        .filter((f) => f !== null),
    );
    expect([...folders].filter((folder) => !rankOf.has(folder))).toEqual([]);
  });

  it("imports only downstream: no folder reaches into one above it, and shared/ into none", () => {
    const violations: string[] = [];
    for (const [path, text] of Object.entries(sources)) {
      const folder = folderOf(path);
      if (folder === null) continue;
      const rank = rankOf.get(folder) ?? -1;
      for (const target of importedFolders(text)) {
        const targetRank = rankOf.get(target) ?? -1;
        const allowed = folder === "shared" ? false : targetRank > rank;
        if (!allowed) violations.push(`${path.replace("../../", "")} imports ${target}/`);
      }
    }
    expect(violations).toEqual([]);
  });
});
