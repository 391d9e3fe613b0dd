/**
 * `/admin`: summary numbers, filters (event id or prefix, type glob, source, status, route, since), and the
 * newest events first. Auto-refresh is opt-in (`live=1`): a refresh reloads the page, which would wipe
 * what someone is typing in the filters.
 */
import type { FC } from "hono/jsx";
import type { EventSummary } from "../admin/admin-schemas";
import { EventStatus } from "../admin/admin-schemas";
import { EventTable } from "./event-table";
import { Layout } from "./page-layout";
import { type Summary, SummaryCards } from "./summary-cards";

export const LIVE_REFRESH_SECONDS = 5;

export type EventFilters = {
  source?: string | undefined;
  id?: string | undefined;
  type?: string | undefined;
  status?: string | undefined;
  route?: string | undefined;
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
        event id (or prefix)
        <input name="id" value={filters.id ?? ""} placeholder="evt_1" size={18} />
      </label>
      <label>
        type (* for any)
        <input name="type" value={filters.type ?? ""} placeholder="customer.*" size={16} />
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
        route
        <input name="route" value={filters.route ?? ""} placeholder="forward" size={12} />
      </label>
      <label>
        since (UTC)
        <input type="datetime-local" name="since" value={sinceInputValue(filters.since)} />
      </label>
      {live ? <input type="hidden" name="live" value="1" /> : null}
      <button type="submit">Filter</button>
      <a href="/admin">clear</a>
    </form>
    <p class="pager muted">
      <span>{live ? `Live: refreshes every ${LIVE_REFRESH_SECONDS} s.` : "Not refreshing."}</span>
      <a href={links.toggleLive}>{live ? "stop live updates" : "live updates"}</a>
      {links.newest ? <a href={links.newest}>← newest</a> : null}
      {links.older ? <a href={links.older}>older →</a> : null}
    </p>
    <EventTable
      events={events}
      empty={
        links.older
          ? "None among the events searched so far: older → searches further back."
          : "No events match these filters."
      }
    />
  </Layout>
);
