/** `/admin/routes/:name/lanes`: an ordered route's busy lanes, with a Skip button on each blocked one. */
import type { FC } from "hono/jsx";
import type { LaneView } from "../lanes/lane-schemas";
import { Layout } from "./page-layout";
import { eventPath, formatTime, Notice, StatusBadge, TableScroll } from "./view-parts";

/** One sentence beside the buttons, so operators know what a skip does. */
export const SKIP_EXPLAINED =
  "A blocked lane stopped on a head that used up its attempts (it is dead-lettered). Skip lets the next " +
  "event go, with the skipped id in its envelope's lane.skipped; redriving the head instead retries it first.";

type LanesPageProps = { route: string; lanes: LaneView[]; notice: string | null };

const SkipButton: FC<{ route: string; laneKey: string }> = ({ route, laneKey }) => (
  <form
    method="post"
    action={`/admin/routes/${encodeURIComponent(route)}/lanes/${encodeURIComponent(laneKey)}/skip`}
  >
    <button type="submit">Skip head</button>
  </form>
);

export const LanesPage: FC<LanesPageProps> = ({ route, lanes, notice }) => (
  <Layout title={`Lanes of ${route}`} section="routes" signedIn>
    <h1>Lanes of {route}</h1>
    <Notice text={notice} />
    <p class="muted">{SKIP_EXPLAINED}</p>
    {lanes.length === 0 ? (
      <p class="muted">No lane of this route has events waiting or is blocked.</p>
    ) : (
      <TableScroll>
        <table>
          <thead>
            <tr>
              <th>key</th>
              <th>state</th>
              <th>head</th>
              <th>accepted</th>
              <th class="num">waiting</th>
              <th>last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {lanes.map((lane) => (
              <tr data-lane={lane.key}>
                <td class="mono id">{lane.key}</td>
                <td>
                  <StatusBadge status={lane.state} />
                </td>
                <td class="mono id">
                  {lane.head ? <a href={eventPath(lane.head.source, lane.head.id)}>{lane.head.id}</a> : "—"}
                </td>
                <td>{lane.head ? formatTime(lane.head.acceptedAt) : "—"}</td>
                <td class="num">{lane.waiting}</td>
                <td>{lane.lastError ?? "—"}</td>
                <td>{lane.state === "blocked" ? <SkipButton route={route} laneKey={lane.key} /> : null}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    )}
  </Layout>
);
