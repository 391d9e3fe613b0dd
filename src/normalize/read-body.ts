/** Lazy, failure-tolerant views of a raw body: decoded once, parsed once, never trusted before verification. */

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export interface ReadBody {
  /** The body as UTF-8 text, or null when it is not valid UTF-8. */
  text(): string | null;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json(): unknown;
  /** The body as `application/x-www-form-urlencoded` fields, or null when it is not text. */
  form(): URLSearchParams | null;
}

const NOT_PARSED = Symbol("not parsed");

export function readBody(body: Uint8Array): ReadBody {
  let text: string | null | typeof NOT_PARSED = NOT_PARSED;
  let json: unknown = NOT_PARSED;
  const view: ReadBody = {
    text() {
      if (text === NOT_PARSED) {
        try {
          text = fatalUtf8.decode(body);
        } catch {
          text = null;
        }
      }
      return text;
    },
    json() {
      if (json === NOT_PARSED) {
        const source = view.text();
        json = undefined;
        if (source !== null && source.length > 0) {
          try {
            json = JSON.parse(source);
          } catch {
            json = undefined;
          }
        }
      }
      return json;
    },
    form() {
      const source = view.text();
      return source === null ? null : new URLSearchParams(source);
    },
  };
  return view;
}

/** The payload handlers receive: the parsed JSON body, else its text (or "" for non-UTF-8 bytes). */
export function defaultPayload(body: ReadBody): unknown {
  const json = body.json();
  return json === undefined ? (body.text() ?? "") : json;
}

/** Reads a string field of a JSON object body, or undefined. */
export function stringField(value: unknown, ...path: string[]): string | undefined {
  let current: unknown = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = Reflect.get(current, key);
  }
  return typeof current === "string" && current.length > 0 ? current : undefined;
}

/** How deep a JSON body may nest when it must be parsed before its signature is checked (Mailgun). */
export const MAX_UNVERIFIED_JSON_DEPTH = 64;
/** How many fields a form body may have when it must be parsed before its signature is checked (Twilio). */
export const MAX_UNVERIFIED_FORM_FIELDS = 1000;

/** True when `text` nests `[`/`{` at most `max` deep (bytes inside strings are skipped). One linear scan. */
export function jsonDepthWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > max) return false;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return true;
}

/** True when a form body has at most `max` `&`-separated fields, counted without splitting it. */
export function formFieldsWithin(text: string, max: number): boolean {
  let fields = 1;
  for (let at = text.indexOf("&"); at !== -1; at = text.indexOf("&", at + 1)) {
    if (++fields > max) return false;
  }
  return true;
}
