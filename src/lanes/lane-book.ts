/**
 * The FIFO of every lane one LaneKeeper holds, over its SQLite tables (lane-sql.ts): appending in the order
 * events reach it, choosing each lane's head, coalescing and poison handling. Synchronous SQL only, so every
 * call is one atomic step of the Durable Object; sending the messages it owes is the keeper's job.
 */
import { z } from "zod";
import { log } from "../shared/log";
import type { LaneAdmission, LaneCall, LanePolicy, LaneReport, LaneView } from "./lane-schemas";
import * as SQL from "./lane-sql";

const Ids = z.array(z.string()).catch([]);
const OrderValue = z.union([z.string(), z.number()]).nullable().catch(null);

const idsOf = (text: string | null): string[] => (text === null ? [] : Ids.parse(JSON.parse(text)));

/** Whether `value` is not newer than `highest` (numbers with numbers, strings with strings). */
function notNewer(value: string | number, highest: string | number | null): boolean {
  if (highest === null || typeof value !== typeof highest) return false;
  return value <= highest;
}

export class LaneBook {
  constructor(private readonly sql: SqlStorage) {}

  /**
   * Puts an event at the end of its lane, once (a second call for the same event changes nothing). An event
   * whose `coalesceBy` value is not newer than one already accepted is superseded at once.
   */
  append(call: LaneCall, now: number): SQL.EntryRow {
    const known = this.entry(call.event.source, call.event.id);
    if (known) return known;
    const lane = this.laneOf(call, now);
    const stale =
      call.policy.coalesce !== null &&
      call.orderValue !== null &&
      notNewer(call.orderValue, this.highWater(lane));
    const highWater = stale || call.orderValue === null ? lane.high_water : JSON.stringify(call.orderValue);
    const { source, id, type, shard } = call.event;
    this.sql.exec(
      SQL.INSERT_ENTRY,
      source,
      id,
      call.key,
      lane.next_seq,
      type,
      shard,
      stale ? "superseded" : "waiting",
      0,
      now,
      now,
    );
    this.save(
      { ...lane, next_seq: lane.next_seq + 1, high_water: highWater, policy: JSON.stringify(call.policy) },
      now,
    );
    if (stale) log("lane", { outcome: "stale", route: call.route, key: call.key, source, id });
    this.promote(call.key, call.policy, now, id);
    return this.entry(source, id) ?? this.fail("the appended entry is missing");
  }

  /** May this event's delivery start? An event the lane does not know yet joins it first (see docs). */
  admit(call: LaneCall, now: number): LaneAdmission {
    let entry = this.entry(call.event.source, call.event.id);
    if (!entry) {
      log("lane", { outcome: "joined_at_delivery", route: call.route, key: call.key, id: call.event.id });
      entry = this.append(call, now);
    }
    if (entry.state === "superseded") return { verdict: "superseded" };
    if (entry.state === "waiting") return { verdict: "wait", blocked: this.lane(call.key)?.blocked === 1 };
    this.sql.exec(SQL.TOUCH_ENTRY, now, entry.source, entry.event_id);
    return { verdict: "go", seq: entry.seq, skipped: idsOf(entry.skipped) };
  }

  /** Records what became of a delivery; a finished head makes way for the next (or blocks the lane). */
  report(report: LaneReport, now: number): void {
    const entry = this.entry(report.event.source, report.event.id);
    const lane = this.lane(report.key);
    if (!entry || !lane) return;
    const policy = report.policy;
    const { source, event_id: id } = entry;
    if (report.outcome === "failed") {
      this.save({ ...lane, last_error: report.error, policy: JSON.stringify(policy) }, now);
      this.sql.exec(SQL.TOUCH_ENTRY, now, source, id);
      return;
    }
    if (report.outcome === "dead" && entry.state === "head" && policy.onPoison === "block") {
      this.save({ ...lane, blocked: 1, last_error: report.error, policy: JSON.stringify(policy) }, now);
      log("lane", { outcome: "blocked", route: report.route, key: report.key, source, id });
      return;
    }
    this.sql.exec(SQL.DELETE_ENTRY, source, id);
    // Only the head's end moves the lane on; a superseded entry leaving changes nothing else.
    const wasHead = entry.state === "head";
    const dead = wasHead && report.outcome === "dead";
    if (dead) log("lane", { outcome: "skipped", route: report.route, key: report.key, source, id });
    this.save(
      {
        ...lane,
        blocked: wasHead ? 0 : lane.blocked,
        last_error: dead ? report.error : wasHead ? null : lane.last_error,
        skipped: dead ? JSON.stringify([...idsOf(lane.skipped), id]) : lane.skipped,
        policy: JSON.stringify(policy),
      },
      now,
    );
    this.promote(report.key, policy, now);
  }

  /** An operator skips a blocked lane's head (already dead-lettered); false when the lane is not blocked. */
  skip(key: string, now: number): boolean {
    const lane = this.lane(key);
    const head = this.entries(key).find((entry) => entry.state === "head");
    if (lane?.blocked !== 1 || !head) return false;
    this.report(
      {
        route: lane.route,
        key,
        policy: { ...this.policyOf(lane), onPoison: "skip" },
        event: { source: head.source, id: head.event_id, type: head.type, shard: head.shard },
        orderValue: null,
        outcome: "dead",
        error: lane.last_error,
      },
      now,
    );
    return true;
  }

  /** The lane as an operator sees it; null when the key never had a lane here. */
  view(key: string): LaneView | null {
    const lane = this.lane(key);
    return lane ? this.viewOf(lane) : null;
  }

  /** The lanes with events in them, or blocked (`state` narrows to blocked ones, or ones with events waiting). */
  list(state: "blocked" | "waiting" | undefined): LaneView[] {
    const views = this.sql
      .exec<SQL.LaneRow>(SQL.SELECT_BUSY_LANES)
      .toArray()
      .map((lane) => this.viewOf(lane));
    if (state === "blocked") return views.filter((view) => view.state === "blocked");
    if (state === "waiting") return views.filter((view) => view.waiting > 0);
    return views;
  }

  /** The entries a queue message is owed for, with their route (at most 100). */
  owed(): { entry: SQL.EntryRow; route: string }[] {
    return this.sql
      .exec<SQL.EntryRow>(SQL.SELECT_OWED)
      .toArray()
      .map((entry) => ({ entry, route: this.lane(entry.lane_key)?.route ?? "" }));
  }

  clearOwed(entry: SQL.EntryRow): void {
    this.sql.exec(SQL.CLEAR_OWED, entry.source, entry.event_id);
  }

  /** Heads untouched since `before`, with their lane: the keeper checks them against the ledger. */
  idleHeads(before: number): { entry: SQL.EntryRow; lane: SQL.LaneRow }[] {
    return this.sql
      .exec<SQL.EntryRow>(SQL.SELECT_IDLE_HEADS, before)
      .toArray()
      .flatMap((entry) => {
        const lane = this.lane(entry.lane_key);
        return lane && lane.blocked === 0 ? [{ entry, lane }] : [];
      });
  }

  touch(entry: SQL.EntryRow, now: number): void {
    this.sql.exec(SQL.TOUCH_ENTRY, now, entry.source, entry.event_id);
  }

  hasHeads(): boolean {
    return this.sql.exec<{ n: number }>(SQL.HAS_HEADS).one().n > 0;
  }

  hasLanes(): boolean {
    return this.sql.exec<{ n: number }>(SQL.HAS_LANES).one().n > 0;
  }

  /** Forgets empty, unblocked lanes without news since `before`; returns how many. */
  forgetIdle(before: number): number {
    return this.sql.exec(SQL.DELETE_IDLE_LANES, before).rowsWritten;
  }

  policyOf(lane: SQL.LaneRow): LanePolicy {
    const parsed = z
      .object({ onPoison: z.enum(["skip", "block"]), coalesce: z.enum(["latest"]).nullable() })
      .safeParse(JSON.parse(lane.policy));
    return parsed.data ?? { onPoison: "skip", coalesce: null };
  }

  /**
   * Makes the oldest waiting event the head when the lane has none and is not blocked, and owes its queue
   * message. Under `coalesce: "latest"` the newest waiting event is chosen and the older ones are superseded.
   */
  private promote(key: string, policy: LanePolicy, now: number, appendedId?: string): void {
    const lane = this.lane(key);
    const entries = this.entries(key);
    if (!lane || lane.blocked === 1 || entries.some((entry) => entry.state === "head")) return;
    const waiting = entries.filter((entry) => entry.state === "waiting");
    const next = policy.coalesce === "latest" ? waiting.at(-1) : waiting[0];
    if (!next) return;
    for (const older of waiting)
      if (older !== next && policy.coalesce === "latest")
        this.sql.exec(SQL.SET_ENTRY_STATE, older.source, older.event_id, "superseded", null, 1, now);
    // An event that is the head as it joins is run by its own outbox message; a later head is sent by the lane.
    const owed = next.event_id === appendedId ? 0 : 1;
    this.sql.exec(SQL.SET_ENTRY_STATE, next.source, next.event_id, "head", lane.skipped, owed, now);
    this.save({ ...lane, skipped: null }, now);
  }

  private laneOf(call: LaneCall, now: number): SQL.LaneRow {
    const known = this.lane(call.key);
    if (known) return known;
    this.sql.exec(SQL.INSERT_LANE, call.key, call.route, JSON.stringify(call.policy), now);
    return this.lane(call.key) ?? this.fail("the new lane is missing");
  }

  private highWater(lane: SQL.LaneRow): string | number | null {
    return lane.high_water === null ? null : OrderValue.parse(JSON.parse(lane.high_water));
  }

  private save(lane: SQL.LaneRow, now: number): void {
    this.sql.exec(
      SQL.UPDATE_LANE,
      lane.lane_key,
      lane.next_seq,
      lane.blocked,
      lane.last_error,
      lane.high_water,
      lane.skipped,
      lane.policy,
      now,
    );
  }

  private viewOf(lane: SQL.LaneRow): LaneView {
    const entries = this.entries(lane.lane_key);
    const head = entries.find((entry) => entry.state === "head");
    return {
      route: lane.route,
      key: lane.lane_key,
      state: lane.blocked === 1 ? "blocked" : entries.length > 0 ? "active" : "idle",
      head: head
        ? {
            source: head.source,
            id: head.event_id,
            type: head.type,
            seq: head.seq,
            acceptedAt: new Date(head.accepted_at).toISOString(),
          }
        : null,
      waiting: entries.filter((entry) => entry.state === "waiting").length,
      lastError: lane.last_error,
      skipped: idsOf(lane.skipped),
    };
  }

  private lane(key: string): SQL.LaneRow | undefined {
    return this.sql.exec<SQL.LaneRow>(SQL.SELECT_LANE, key).toArray()[0];
  }

  private entry(source: string, id: string): SQL.EntryRow | undefined {
    return this.sql.exec<SQL.EntryRow>(SQL.SELECT_ENTRY, source, id).toArray()[0];
  }

  private entries(key: string): SQL.EntryRow[] {
    return this.sql.exec<SQL.EntryRow>(SQL.SELECT_LANE_ENTRIES, key).toArray();
  }

  private fail(message: string): never {
    throw new Error(message);
  }
}
