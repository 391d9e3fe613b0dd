/** `/admin`: summary numbers, filters, and the newest events first, refreshed every few seconds while live. */
import type { FC } from "hono/jsx";
import type { EventSummary } from "../admin/admin-schemas";
import { EventStatus } from "../admin/admin-schemas";
import { EventTable } from "./event-table";
import { Layout } from "./page-layout";
import { type Summary, SummaryCards } from "./summary-cards";

export const LIVE_REFRESH_SECONDS = 5;

export type EventFilters = {
  source?: string | undefined;
  type?: string | undefined;
  status?: string | undefined;
  since?: number | undefined;
};

type EventListPageProps = {
  events: EventSummary[];
  filters: EventFilters;
  sourceNames: string[];
  summary: Summary;
  live: boolean;
  links: { older: string | null; newest: string | null; toggleLive: string };
};

/** `datetime-local` inputs carry no zone; the dashboard reads and shows them as UTC. */
const sinceInputValue = (ms: number | undefined) =>
  ms === undefined ? "" : new Date(ms).toISOString().slice(0, 16);

export const EventListPage: FC<EventListPageProps> = ({
  events,
  filters,
  sourceNames,
  summary,
  live,
  links,
}) => (
  <Layout title="Events" section="events" signedIn refreshSeconds={live ? LIVE_REFRESH_SECONDS : undefined}>
    <h1>Events</h1>
    <SummaryCards summary={summary} windowLabel="24 h" />
    <form class="filters" method="get" action="/admin">
      <label>
        source
        <select name="source">
          <option value="">any</option>
          {sourceNames.map((name) => (
            <option value={name} selected={filters.source === name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label>
        type
        <input name="type" value={filters.type ?? ""} placeholder="issues.opened" size={18} />
      </label>
      <label>
        status
        <select name="status">
          <option value="">any</option>
          {EventStatus.options.map((status) => (
            <option value={status} selected={filters.status === status}>
              {status}
            </option>
          ))}
        </select>
      </label>
      <label>
        since (UTC)
        <input type="datetime-local" name="since" value={sinceInputValue(filters.since)} />
      </label>
      {live ? null : <input type="hidden" name="live" value="0" />}
      <button type="submit">Filter</button>
      <a href="/admin">clear</a>
    </form>
    <p class="pager muted">
      <span>{live ? `Live: refreshes every ${LIVE_REFRESH_SECONDS} s.` : "Paused."}</span>
      <a href={links.toggleLive}>{live ? "pause" : "resume live updates"}</a>
      {links.newest ? <a href={links.newest}>← newest</a> : null}
      {links.older ? <a href={links.older}>older →</a> : null}
    </p>
    <EventTable events={events} empty="No events match these filters." />
  </Layout>
);
