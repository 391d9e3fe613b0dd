/**
 * The byte layout of a request segment: the stored requests (headers and raw body) of the events one group
 * commit accepted, written to R2 as one object instead of one row each. Pure; stored-requests.ts does the I/O.
 *
 * Layout (integers are unsigned 32-bit big-endian):
 *   count, then count + 1 entry offsets (the last one is the segment's length), then the entries;
 *   an entry is its JSON's length, the UTF-8 JSON `[key, headers]`, then the body. The key
 *   (`<source>:<event id>`) is checked on every read, so an entry is never taken for another event's.
 */
import { z } from "zod";

export type StoredRequest = { headers: Record<string, string>; body: Uint8Array };
/** A request as a segment holds it: with the key of its event. */
export type SegmentEntry = StoredRequest & { key: string };

/** The key a segment entry carries: whose request it is. */
export const entryKeyOf = (source: string, id: string) => `${source}:${id}`;

/**
 * Stored headers as parsed JSON gives them: string values kept, anything else (or a non-object) dropped.
 * Built with `Object.fromEntries`, which keeps every name as an own property (`z.record` assigns, so a
 * header named `__proto__` was lost on the way back).
 */
function headersFrom(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
}

/** Stored headers from their JSON (a row or a segment entry); not an object → none. */
export const parseStoredHeaders = (json: string): Record<string, string> => headersFrom(JSON.parse(json));
const EntryMeta = z.tuple([z.string(), z.unknown()]);
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One segment's bytes, its entries in the order given. */
export function encodeSegment(requests: SegmentEntry[]): Uint8Array {
  const headers = requests.map((request) => encoder.encode(JSON.stringify([request.key, request.headers])));
  const start = 4 * (requests.length + 2);
  const offsets = [start];
  requests.forEach((request, index) => {
    offsets.push((offsets[index] ?? start) + 4 + (headers[index]?.byteLength ?? 0) + request.body.byteLength);
  });
  const bytes = new Uint8Array(offsets.at(-1) ?? start);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, requests.length);
  for (const [index, offset] of offsets.entries()) view.setUint32(4 * (index + 1), offset);
  requests.forEach((request, index) => {
    const at = offsets[index] ?? start;
    const json = headers[index] ?? new Uint8Array(0);
    view.setUint32(at, json.byteLength);
    bytes.set(json, at + 4);
    bytes.set(request.body, at + 4 + json.byteLength);
  });
  return bytes;
}

/** Entry `index` of a segment if it is `key`'s; null when the bytes are not a segment with that entry. */
export function decodeEntry(segment: Uint8Array, index: number, key: string): StoredRequest | null {
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  if (segment.byteLength < 4 || !Number.isInteger(index) || index < 0) return null;
  const count = view.getUint32(0);
  if (index >= count || segment.byteLength < 4 * (count + 2)) return null;
  const at = view.getUint32(4 * (index + 1));
  const end = view.getUint32(4 * (index + 2));
  if (end > segment.byteLength || at + 4 > end) return null;
  const headersLength = view.getUint32(at);
  if (at + 4 + headersLength > end) return null;
  const json = decoder.decode(segment.subarray(at + 4, at + 4 + headersLength));
  let meta: z.infer<typeof EntryMeta>;
  try {
    const parsed = EntryMeta.safeParse(JSON.parse(json));
    if (!parsed.success) return null;
    meta = parsed.data;
  } catch {
    return null;
  }
  if (meta[0] !== key) return null;
  return { headers: headersFrom(meta[1]), body: segment.slice(at + 4 + headersLength, end) };
}
