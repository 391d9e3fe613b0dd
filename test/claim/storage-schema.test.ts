/** Keeps docs/storage-schema.md true: every table, column, type and index it lists exists, and nothing else. */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import doc from "../../docs/storage-schema.md?raw";
import { ensureDayTable } from "../../src/claim/claim-tables";
import { EventBundle, EventMessage } from "../../src/claim/event-message";
import { ledgerFor } from "../../src/claim/shard-for-event";

type Schema = { tables: Record<string, Record<string, string>>; indexes: string[] };
type Section = Schema & { fields: string[] };

const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");

/** The tables (column → type), index names and message fields the doc lists under each `##` heading. */
function documented(): Record<string, Section> {
  const sections: Record<string, Section> = {};
  let section: Section | undefined;
  let table: Record<string, string> | undefined;
  let inIndexes = false;
  for (const line of doc.split("\n")) {
    if (line.startsWith("## ")) {
      section = { tables: {}, indexes: [], fields: [] };
      sections[line.slice(3)] = section;
      table = undefined;
    } else if (line.startsWith("### ") && section) {
      // "### `a` and `b`: …" documents tables of the same columns once.
      const tableNames = names(line.split(":")[0] ?? "");
      const shared: Record<string, string> = {};
      table = tableNames.length > 0 ? shared : undefined;
      for (const name of tableNames) section.tables[name] = shared;
    }
    if (line.startsWith("Indexes")) inIndexes = true;
    if (line.trim() === "") inIndexes = false;
    // An index is named as `name` followed by its columns in parentheses (possibly on the next line).
    if (inIndexes && section)
      section.indexes.push(...[...line.matchAll(/`([a-z_<>]+)`(?= \(|$| and)/g)].map((m) => m[1] ?? ""));
    const cells = line.split("|").map((cell) => cell.trim());
    if (!line.startsWith("| `") || !section) continue;
    if (table && cells[2]) for (const column of names(cells[1] ?? "")) table[column] = cells[2];
    else section.fields.push(...names(cells[1] ?? ""));
  }
  return sections;
}

type ColumnInfo = { name: string; type: string };
type MasterRow = { name: string; type: string };

const internal = (name: string) => /^(sqlite_|_cf_)/.test(name);
/** Per-period tables (and their indexes) are documented once, with `<period>`, `<hour>` or `<day>` for the number. */
const generic = (name: string) =>
  name
    .replace(/^signed_contents_\d+$/, "signed_contents_<period>")
    .replace(/^requests_\d+$/, "requests_<hour>")
    .replace(/^claims_\d+(_by_key|_failing)?$/, "claims_<day>$1");

function toSchema(master: MasterRow[], columns: (table: string) => ColumnInfo[]): Schema {
  const tables: Schema["tables"] = {};
  for (const { name } of master.filter((row) => row.type === "table" && !internal(row.name)))
    tables[generic(name)] = Object.fromEntries(columns(name).map((column) => [column.name, column.type]));
  const indexes = master
    .filter((row) => row.type === "index" && !internal(row.name))
    .map((row) => generic(row.name));
  return { tables, indexes: [...new Set(indexes)].sort() };
}

const sectionNamed = (prefix: string) => {
  const found = Object.entries(documented()).find(([heading]) => heading.startsWith(prefix));
  if (!found) throw new Error(`docs/storage-schema.md has no "## ${prefix}" section`);
  return found[1];
};

describe("docs/storage-schema.md", () => {
  it("lists the ledger's Durable Object SQLite schema exactly", async () => {
    const actual = await runInDurableObject(ledgerFor(env, 0), (instance, state) => {
      const sql = state.storage.sql;
      // Period tables exist once a signed content was claimed: make one.
      const ledger = instance as unknown as {
        signedContents: { claim(c: object, ms: number): unknown };
      };
      const now = Date.now();
      ledger.signedContents.claim(
        { source: "github", digest: "0".repeat(64), id: "schema-test", claimedAt: now },
        7 * 86_400_000,
      );
      // And a day's claims table, as the day's first claim makes it.
      ensureDayTable(sql, now);
      const master = sql.exec<MasterRow>("SELECT name, type FROM sqlite_master").toArray();
      return toSchema(master, (table) => sql.exec<ColumnInfo>(`PRAGMA table_info(${table})`).toArray());
    });
    const { tables, indexes } = sectionNamed("Ledger");
    expect(tables).toEqual(actual.tables);
    expect(indexes.sort()).toEqual(actual.indexes);
  });

  it("lists every field of the queue message", () => {
    const fields = new Set([...Object.keys(EventMessage.shape), ...Object.keys(EventBundle.shape)]);
    expect(sectionNamed("Queue messages").fields.sort()).toEqual([...fields].sort());
  });
});
