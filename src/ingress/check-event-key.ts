/**
 * Decides whether an event id and type may be stored: the id is the ledger's key and part of every
 * admin and dashboard URL, so it must read back exactly as written and route back to its event.
 */
import { err, ok, type Result } from "../verify/result";

/** The ledger's limit (`EventId` in claim/ledger-rpc.ts). */
export const MAX_EVENT_ID_LENGTH = 512;
/** Longer types are cut (on a code point boundary), not refused: a type is a label, not a key. */
export const MAX_EVENT_TYPE_LENGTH = 256;

export type EventKeyFailure =
  /** Empty, or longer than MAX_EVENT_ID_LENGTH. */
  | { reason: "event_id_out_of_bounds"; length: number }
  /**
   * Not well-formed UTF-16 (a lone surrogate reads back as U+FFFD from storage), a U+FFFD (what a runtime
   * makes of header bytes that are not UTF-8, so two different ids would collide), or a control character.
   */
  | { reason: "event_id_malformed" }
  /** `.` or `..`: URL parsers resolve these path segments away, even percent-encoded. */
  | { reason: "event_id_not_addressable" }
  | { reason: "event_type_malformed" };

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for.
const CONTROL_OR_REPLACEMENT = /[\u0000-\u001f\u007f-\u009f\ufffd]/;
const DOT_SEGMENT = /^\.{1,2}$/;

/** Cuts `text` to at most `max` UTF-16 units without splitting a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/**
 * The id and the bounded type to store, or why the pair is refused (a 400). Checked before anything is
 * stored. Example: `checkEventKey("evt_1", "charge.succeeded")` is ok; `checkEventKey("..", "x")` is not.
 */
export function checkEventKey(
  id: string,
  type: string,
): Result<{ id: string; type: string }, EventKeyFailure> {
  if (id.length === 0 || id.length > MAX_EVENT_ID_LENGTH)
    return err({ reason: "event_id_out_of_bounds", length: id.length });
  if (!id.isWellFormed() || CONTROL_OR_REPLACEMENT.test(id)) return err({ reason: "event_id_malformed" });
  if (DOT_SEGMENT.test(id)) return err({ reason: "event_id_not_addressable" });
  if (!type.isWellFormed()) return err({ reason: "event_type_malformed" });
  return ok({ id, type: cutText(type, MAX_EVENT_TYPE_LENGTH) });
}
