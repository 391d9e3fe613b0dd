/** The shard's small persisted numbers (`ledger_settings`): the sent mark, the low-water mark, the forgotten mark. */
import * as SQL from "./ledger-sql";

/** A setting's value, 0 while it was never written. */
export function readSetting(sql: SqlStorage, name: string): number {
  return sql.exec<{ value: number }>(SQL.SELECT_SETTING, name).toArray()[0]?.value ?? 0;
}

/** Writes a setting (one written row). */
export function writeSetting(sql: SqlStorage, name: string, value: number): void {
  sql.exec(SQL.SET_SETTING, name, value);
}
