/**
 * Counts, inside workerd, the work the Durable Objects do for the storage bench: every SQLite statement's
 * rows read and written (ledger shards and the route gate), every billed RPC method call and alarm run, and
 * every queue message the outbox sends (with its size, since Queues bills per 64 KB). Bench-only; nothing
 * here runs in production.
 */
import * as SQL from "../src/claim/ledger-sql";

/** One SQLite statement as the runtime counted it. */
export type CountedStatement = { statement: string; rowsRead: number; rowsWritten: number };

/** Everything counted since `resetTally`. */
export interface Tally {
  statements: CountedStatement[];
  /** Calls per Durable Object method (`RouteGate.admitMany`, `accept`, `alarm`, …), whichever object ran them. */
  calls: Record<string, number>;
  /** `sendBatch` calls and the JSON size of each message body sent. */
  sendBatches: number;
  messageBytes: number[];
  /** R2 operations on the stored-request bucket (Class A: put, list; Class B: get, head; delete is free) and bytes put. */
  r2: { put: number; get: number; head: number; list: number; delete: number; bytesPut: number };
}

/** The ledger methods a Worker or the runtime calls per event (each is one billed Durable Object request). */
export const LEDGER_METHODS = [
  "accept",
  "claimSignedContent",
  "beginDeliveries",
  "settleDeliveries",
  "alarm",
] as const;

/** The route gate's methods the consumer calls (one `admitMany` per route per batch; `report` on failures). */
export const GATE_METHODS = ["admitMany", "admit", "report"] as const;

let tally: Tally = emptyTally();

function emptyTally(): Tally {
  return {
    statements: [],
    calls: {},
    sendBatches: 0,
    messageBytes: [],
    r2: { put: 0, get: 0, head: 0, list: 0, delete: 0, bytesPut: 0 },
  };
}

/** Starts a new count and returns it (the previous one is dropped). */
export function resetTally(): Tally {
  tally = emptyTally();
  return tally;
}

/** Per-period table names as one name (`claims_<day>`, `signed_contents_<period>`), so a statement has one. */
const generic = (query: string) =>
  query.replace(/claims_\d+/g, "claims_<day>").replace(/signed_contents_\d+/g, "signed_contents_<period>");

/** Each exported statement's text (a statement made per claims table, with the generic table name) → its name. */
const statementNames = new Map(
  Object.entries(SQL).map(([name, text]) => [typeof text === "function" ? text("claims_<day>") : text, name]),
);

/** The exported constant's name for a ledger statement, or its first words. */
function nameOf(query: string): string {
  const text = generic(query);
  return statementNames.get(text) ?? text.trim().replace(/\s+/g, " ").slice(0, 48);
}

const patched = new WeakSet<object>();

/** Counts every statement of one object's SqlStorage (call inside `runInDurableObject`). */
function countStatements(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  if (patched.has(sql)) return;
  patched.add(sql);
  const exec = sql.exec.bind(sql);
  Object.defineProperty(sql, "exec", {
    configurable: true,
    writable: true,
    // A statement's rows are read in a microtask after `exec`, once its caller consumed the cursor.
    value: (query: string, ...bindings: SqlStorageValue[]) => {
      const cursor = exec(query, ...bindings);
      queueMicrotask(() =>
        tally.statements.push({
          statement: nameOf(query),
          rowsRead: cursor.rowsRead,
          rowsWritten: cursor.rowsWritten,
        }),
      );
      return cursor;
    },
  });
}

/** Counts calls of `methods` on the instance's class (once for every instance). */
function countCalls(instance: object, methods: readonly string[], prefix = ""): void {
  const proto: object = Object.getPrototypeOf(instance);
  if (patched.has(proto)) return;
  patched.add(proto);
  for (const method of methods) {
    const original = Reflect.get(proto, method) as (...args: unknown[]) => unknown;
    Reflect.set(proto, method, function (this: unknown, ...args: unknown[]) {
      const name = `${prefix}${method}`;
      tally.calls[name] = (tally.calls[name] ?? 0) + 1;
      return original.apply(this, args);
    });
  }
}

/**
 * Instruments one ledger instance (call inside `runInDurableObject`): its SqlStorage's `exec`, and once
 * for all instances the class's counted methods and its queue sender's `send`.
 */
export function instrumentLedger(instance: object, storage: DurableObjectStorage): void {
  countStatements(storage);
  countCalls(instance, LEDGER_METHODS);
  countR2(Reflect.get(Reflect.get(instance, "requests") as object, "bucket") as R2Bucket);
  const sender = Reflect.get(instance, "sender") as object;
  const senderProto: object = Object.getPrototypeOf(sender);
  if (patched.has(senderProto)) return;
  patched.add(senderProto);
  const send = Reflect.get(senderProto, "send") as (messages: MessageSendRequest[]) => Promise<void>;
  Reflect.set(senderProto, "send", function (this: unknown, messages: MessageSendRequest[]) {
    tally.sendBatches += Math.ceil(messages.length / 100);
    for (const message of messages) tally.messageBytes.push(JSON.stringify(message.body).length);
    return send.call(this, messages);
  });
}

/** Counts the stored-request bucket's operations (once per bucket object). */
function countR2(bucket: R2Bucket): void {
  if (patched.has(bucket)) return;
  patched.add(bucket);
  for (const operation of ["put", "get", "head", "list", "delete"] as const) {
    const original = Reflect.get(bucket, operation) as (...args: unknown[]) => unknown;
    Object.defineProperty(bucket, operation, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        tally.r2[operation]++;
        if (operation === "put" && args[1] instanceof Uint8Array) tally.r2.bytesPut += args[1].byteLength;
        return original.apply(bucket, args);
      },
    });
  }
}

/** Instruments one RouteGate instance: its statements, and the gate methods of every instance (`gate.` names). */
export function instrumentGate(instance: object, storage: DurableObjectStorage): void {
  countStatements(storage);
  countCalls(instance, GATE_METHODS, "gate.");
}

/** Rows read and written, with calls, per statement name. */
export function byStatement(statements: CountedStatement[]) {
  const out: Record<string, { calls: number; rowsRead: number; rowsWritten: number }> = {};
  for (const { statement, rowsRead, rowsWritten } of statements) {
    const row = out[statement] ?? { calls: 0, rowsRead: 0, rowsWritten: 0 };
    row.calls++;
    row.rowsRead += rowsRead;
    row.rowsWritten += rowsWritten;
    out[statement] = row;
  }
  return out;
}

/** Sums of rows read and written. */
export function totals(statements: CountedStatement[]): { read: number; written: number } {
  return statements.reduce((t, c) => ({ read: t.read + c.rowsRead, written: t.written + c.rowsWritten }), {
    read: 0,
    written: 0,
  });
}
