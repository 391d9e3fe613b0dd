/**
 * Stored handler errors in an operator's words: the event log keeps `describeError` text such as
 * `RetryLater: agent answered 503` or `TypeError: Network connection lost.`; operators read no class names.
 */

/** `Error:`, `TypeError:`, `RetryLater:`, `GiveUp:`, `TimeoutError:` and the like, at the start. */
const CLASS_PREFIX = /^(?:[A-Z][A-Za-z]*(?:Error|Exception)|Error|RetryLater|GiveUp)(?: \[[\w-]+\])?: /;

/** Runtime messages that say more to a person when rephrased (workerd and fetch wordings). */
const REPHRASED: readonly (readonly [RegExp, string])[] = [
  [/^Network connection lost\.?$/i, "connection lost to the destination"],
  [/^fetch failed\.?$/i, "could not reach the destination"],
  [/^(?:connect )?ECONNREFUSED\b.*$/i, "connection refused by the destination"],
  [/^The operation was aborted due to timeout\.?$/i, "the destination did not answer in time"],
  [/^internal error\.?$/i, "the runtime reported an internal error"],
];

/**
 * The stored error as operators read it: class prefixes dropped (repeatedly, for wrapped errors) and
 * known runtime messages rephrased. Null stays null; unknown text is kept, minus its prefix.
 *
 * @example operatorError("RetryLater: agent answered 503") // "agent answered 503"
 */
export function operatorError(stored: string | null): string | null {
  if (stored === null) return null;
  let text = stored.trim();
  for (let i = 0; i < 3 && CLASS_PREFIX.test(text); i++) text = text.replace(CLASS_PREFIX, "");
  for (const [pattern, words] of REPHRASED) if (pattern.test(text)) return words;
  return text || stored;
}
