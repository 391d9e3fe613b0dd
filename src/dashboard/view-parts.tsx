/** Small pieces shared by the dashboard pages: links, times, durations, status badges and notices. */
import type { Child, FC } from "hono/jsx";

/** `path?query` keeping only `keys` from the current query, with `changes` applied; blanks are dropped. */
export function linkTo(
  path: string,
  current: Record<string, string>,
  keys: string[],
  changes: Record<string, string | null> = {},
) {
  const params = new URLSearchParams();
  for (const key of keys) {
    const value = key in changes ? changes[key] : current[key];
    if (value) params.set(key, value);
  }
  const query = params.toString();
  return query ? `${path}?${query}` : path;
}

export function eventPath(source: string, id: string): string {
  return `/admin/events/${encodeURIComponent(source)}/${encodeURIComponent(id)}`;
}

/** `2026-11-22 13:02:54 UTC`: second precision, always UTC, so operators compare logs without guessing. */
export function formatTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "—";
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export const StatusBadge: FC<{ status: string }> = ({ status }) => (
  <span class={`badge ${status}`}>{status}</span>
);

export const Notice: FC<{ text: string | null }> = ({ text }) => (text ? <p class="notice">{text}</p> : null);

/** One sentence each, shown beside the buttons, so operators pick the right one. */
export const REPLAY_EXPLAINED =
  "Replay runs the event through its handlers again as a new run (new webhook-id), even if it was delivered.";
export const REDRIVE_EXPLAINED =
  "Redrive gives a dead event's failed handlers a fresh set of attempts; handlers that succeeded do not run again.";

/** A table that scrolls sideways inside its own box, so a narrow screen never scrolls the whole page. */
export const TableScroll: FC<{ children?: Child }> = ({ children }) => (
  <div class="table-scroll">{children}</div>
);
