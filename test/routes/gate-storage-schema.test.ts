/** Keeps the "Route gate" and "Route budget" sections of docs/storage-schema.md true: their tables and columns are the real ones. */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import doc from "../../docs/storage-schema.md?raw";

/** Table → column → type, from the `### \`table\`` headings and `| \`column\` | TYPE |` rows of one section. */
function documentedTables(section: string): Record<string, Record<string, string>> {
  const tables: Record<string, Record<string, string>> = {};
  let table: Record<string, string> | undefined;
  for (const line of section.split("\n")) {
    const heading = /^### `([^`]+)`/.exec(line);
    if (heading?.[1]) {
      table = {};
      tables[heading[1]] = table;
    }
    const row = /^\| `([^`]+)` \| ([A-Z]+) \|/.exec(line);
    if (row?.[1] && row[2] && table) table[row[1]] = row[2];
  }
  return tables;
}

/** Table → column → type of a Durable Object's SQLite storage (our tables only). */
function actualTables(stub: DurableObjectStub) {
  return runInDurableObject(stub, (_instance, state) => {
    const sql = state.storage.sql;
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .filter(({ name }) => !/^(sqlite_|_cf_)/.test(name));
    return Object.fromEntries(
      tables.map(({ name }) => [
        name,
        Object.fromEntries(
          sql
            .exec<{ name: string; type: string }>(`PRAGMA table_info(${name})`)
            .toArray()
            .map((column) => [column.name, column.type]),
        ),
      ]),
    );
  });
}

const sectionOf = (title: string) => doc.split("\n## ").find((part) => part.startsWith(title));

describe("docs/storage-schema.md: route gate", () => {
  it("lists the RouteGate's Durable Object SQLite schema exactly", async () => {
    const section = sectionOf("Route gate");
    expect(section, 'a "## Route gate" section').toBeDefined();
    const actual = await actualTables(env.ROUTE_GATE.getByName(`schema-${crypto.randomUUID()}`));
    expect(documentedTables(section ?? "")).toEqual(actual);
  });

  it("lists the RouteBudget's Durable Object SQLite schema exactly", async () => {
    const section = sectionOf("Route budget");
    expect(section, 'a "## Route budget" section').toBeDefined();
    const actual = await actualTables(env.ROUTE_BUDGET.getByName(`schema-${crypto.randomUUID()}/0`));
    expect(documentedTables(section ?? "")).toEqual(actual);
  });
});
