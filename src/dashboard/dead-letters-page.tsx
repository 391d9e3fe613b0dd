/** `/admin/dead-letters`: events whose handlers exhausted their attempts, with per-event and bulk redrive. */
import type { FC } from "hono/jsx";
import type { EventSummary } from "../admin/admin-schemas";
import { EventTable } from "./event-table";
import { Layout } from "./page-layout";
import { Notice, REDRIVE_EXPLAINED, REPLAY_EXPLAINED } from "./view-parts";

/** The most one "Redrive all" click redrives, as in the admin API. */
export const REDRIVE_ALL_LIMIT = 100;

type DeadLettersPageProps = {
  events: EventSummary[];
  notice: string | null;
  links: { older: string | null; newest: string | null };
};

const RedriveButton: FC<{ event: EventSummary }> = ({ event }) => (
  <form method="post" action="/admin/dead-letters/redrive">
    <input type="hidden" name="source" value={event.source} />
    <input type="hidden" name="id" value={event.id} />
    <button type="submit" class="secondary">
      Redrive
    </button>
  </form>
);

export const DeadLettersPage: FC<DeadLettersPageProps> = ({ events, notice, links }) => (
  <Layout title="Dead letters" section="dead-letters" signedIn>
    <h1>Dead letters</h1>
    <Notice text={notice} />
    <p class="muted">
      These events ran out of attempts on at least one handler. {REDRIVE_EXPLAINED} {REPLAY_EXPLAINED} (Replay
      is on each event's page.)
    </p>
    {events.length > 0 ? (
      <div class="actions">
        <form method="get" action="/admin/dead-letters/redrive">
          <button type="submit">Redrive all</button>
        </form>
        <span class="muted">up to {REDRIVE_ALL_LIMIT} events per click, newest first; you confirm first</span>
      </div>
    ) : null}
    <p class="pager">
      {links.newest ? <a href={links.newest}>← newest</a> : null}
      {links.older ? <a href={links.older}>older →</a> : null}
    </p>
    <EventTable
      events={events}
      empty="No dead letters."
      action={(event) => <RedriveButton event={event} />}
    />
  </Layout>
);
