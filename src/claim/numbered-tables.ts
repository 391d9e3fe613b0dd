/** The ledger's tables made one per period (`<prefix><n>`): request hours and signed-content periods. */

/** The numbers of the tables named `<prefix><n>` that exist, ascending. */
export function numberedTables(sql: SqlStorage, prefix: string): number[] {
  return sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB ?",
      `${prefix}[0-9]*`,
    )
    .toArray()
    .map((row) => Number(row.name.slice(prefix.length)))
    .filter(Number.isSafeInteger)
    .sort((a, b) => a - b);
}
