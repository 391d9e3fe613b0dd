/**
 * The table of events shared by the event list and the dead-letter view, with an optional action column.
 * The id and status come right after the time, so they stay on a phone's screen while the rest scrolls
 * inside the table's box.
 */
import type { Child, FC } from "hono/jsx";
import type { EventSummary } from "../admin/admin-schemas";
import { eventPath, formatMs, formatTime, StatusBadge, TableScroll } from "./view-parts";

type EventTableProps = {
  events: EventSummary[];
  empty: string;
  /** Rendered in a last column, per event (e.g. a redrive button). */
  action?: ((event: EventSummary) => Child) | undefined;
};

export const EventTable: FC<EventTableProps> = ({ events, empty, action }) =>
  events.length === 0 ? (
    <p class="muted">{empty}</p>
  ) : (
    <TableScroll>
      <table>
        <thead>
          <tr>
            <th>received</th>
            <th>event id</th>
            <th>status</th>
            <th>type</th>
            <th>source</th>
            <th class="num">attempts</th>
            <th class="num wide-only">latency</th>
            <th>last error</th>
            {action ? <th /> : null}
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr data-event-id={event.id}>
              <td>{formatTime(event.receivedAt)}</td>
              <td class="mono id">
                <a href={eventPath(event.source, event.id)}>{event.id}</a>
              </td>
              <td>
                <StatusBadge status={event.status} />
              </td>
              <td class="mono">{event.type}</td>
              <td class="mono">{event.source}</td>
              <td class="num">{event.attemptCount}</td>
              <td class="num wide-only">{formatMs(event.latencyMs)}</td>
              <td class="muted">{event.lastError ?? ""}</td>
              {action ? <td>{action(event)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
