/**
 * Turns a sample file (test/fixtures/<source>/<sample>.json) into a request body and headers with fresh
 * ids and times. The file format is described at the top of scripts/send-event.ts.
 */
import { randomUUID } from "node:crypto";

export interface SampleFixture {
  /**
   * The event type the gateway records, where the file name cannot spell it (`jira:issue_created`,
   * `orders/create`); otherwise the file name is the type.
   */
  type?: string;
  headers?: Record<string, string>;
  /** A JSON body. */
  body?: unknown;
  /** A form-encoded body instead: field → value; object values are sent as JSON text (Slack's `payload`). */
  form?: Record<string, unknown>;
  /**
   * A scenario instead of one event: these are posted in turn, `pauseMs` apart, with one set of
   * placeholder values (so `{{id}}` is the same job in every step); a step's `note` is printed with it.
   */
  steps?: (Pick<SampleFixture, "headers" | "body"> & { note?: string })[];
  pauseMs?: number;
}

export interface RenderedSample {
  headers: Record<string, string>;
  body: string;
}

/** Placeholders whose whole-string form (`"{{unix}}"`) becomes a JSON number. */
const NUMERIC = /"\{\{(unix|unixMs|int)\}\}"/g;
const PLACEHOLDER = /\{\{(\w+)\}\}/g;
const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** One set of values per rendering: every `{{id}}` of one event is the same id. */
export function placeholderValues(now: Date): Record<string, string> {
  const uuid = randomUUID();
  const hex = uuid.replaceAll("-", "");
  const random52 = Number.parseInt(hex.slice(0, 13), 16);
  const snowflake = ((BigInt(now.getTime()) - DISCORD_EPOCH_MS) << 22n) | BigInt(random52 & 0x3fffff);
  return {
    id: hex,
    uuid,
    int: String(random52 + 1),
    snowflake: String(snowflake),
    unix: String(Math.floor(now.getTime() / 1000)),
    unixMs: String(now.getTime()),
    iso: now.toISOString(),
  };
}

function fill(json: string, values: Record<string, string>): string {
  return json
    .replace(NUMERIC, (_, name: string) => values[name] ?? "")
    .replace(PLACEHOLDER, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`unknown placeholder {{${name}}} in a sample`);
      return value;
    });
}

export function renderFixture(
  fixture: SampleFixture,
  now = new Date(),
  values = placeholderValues(now),
): RenderedSample {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(JSON.parse(fill(JSON.stringify(fixture.headers ?? {}), values))))
    headers[name] = String(value);
  if (fixture.form) {
    const form: Record<string, unknown> = JSON.parse(fill(JSON.stringify(fixture.form), values));
    const fields = Object.entries(form).map(([name, value]): [string, string] => [
      name,
      typeof value === "string" ? value : JSON.stringify(value),
    ]);
    return {
      headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams(fields).toString(),
    };
  }
  return {
    headers: { "content-type": "application/json", ...headers },
    body: fill(JSON.stringify(fixture.body), values),
  };
}

/** The file name of a sample for an event type: `/` and `:` (not portable in file names) become `.`. */
export const sampleName = (eventType: string) => eventType.replaceAll(/[/:]/g, ".");
