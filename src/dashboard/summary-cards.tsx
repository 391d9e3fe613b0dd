/** The summary numbers above the event list, from `summarize` (the admin API's `/metrics`). */
import type { FC } from "hono/jsx";
import { EventStatus } from "../admin/admin-schemas";
import type { summarize } from "../admin/read-event-log";
import { formatMs, TableScroll } from "./view-parts";

export type Summary = Awaited<ReturnType<typeof summarize>>;

const STATUSES = EventStatus.options;

export const SummaryCards: FC<{ summary: Summary; windowLabel: string }> = ({ summary, windowLabel }) => (
  <section aria-label={`Summary of the last ${windowLabel}`}>
    <div class="cards">
      <div class="card">
        <b>{summary.byStatus.total}</b>
        <span>
          events, last {windowLabel}
          {summary.truncated ? " (newest only: a shard held more than one summary reads)" : ""}
        </span>
      </div>
      {STATUSES.map((status) => (
        <div class="card">
          <b>{summary.byStatus[status]}</b>
          <span class={`badge ${status}`}>{status}</span>
        </div>
      ))}
      <div class="card">
        <b>{formatMs(summary.latencyMs.p50)}</b>
        <span>p50 latency</span>
      </div>
      <div class="card">
        <b>{formatMs(summary.latencyMs.p99)}</b>
        <span>p99 latency</span>
      </div>
    </div>
    {Object.keys(summary.bySource).length > 1 ? (
      <TableScroll>
        <table>
          <thead>
            <tr>
              <th>source</th>
              {STATUSES.map((status) => (
                <th class="num">{status}</th>
              ))}
              <th class="num">total</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(summary.bySource).map(([source, counts]) => (
              <tr>
                <td class="mono">{source}</td>
                {STATUSES.map((status) => (
                  <td class="num">{counts[status]}</td>
                ))}
                <td class="num">{counts.total}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    ) : null}
  </section>
);
