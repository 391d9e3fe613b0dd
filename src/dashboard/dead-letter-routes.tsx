/**
 * `/admin/dead-letters`: the dead-letter view, and redrive of one event or of all of them (bounded;
 * "Redrive all" is confirmed on a page of its own first).
 */
import { Hono } from "hono";
import { NoQuery } from "../admin/admin-schemas";
import { listEvents } from "../admin/read-event-log";
import { redriveDeadEvents } from "../admin/redrive-dead-events";
import { validate } from "../admin/validate";
import { log } from "../shared/log";
import { Problem } from "../shared/problem";
import { ConfirmPage } from "./confirm-page";
import { DeadLettersPageQuery, RedriveForm } from "./dashboard-schemas";
import { DeadLettersPage, REDRIVE_ALL_LIMIT } from "./dead-letters-page";
import { renderPage } from "./page-layout";
import { requireDashboardSession } from "./require-dashboard-session";
import { requireSameOrigin } from "./require-same-origin";
import { eventPath, linkTo, REDRIVE_EXPLAINED } from "./view-parts";

const PAGE_KEYS = ["source", "type", "since", "until", "limit", "cursor"];

export const deadLetterRoutes = new Hono<{ Bindings: Env }>();

deadLetterRoutes.get(
  "/dead-letters",
  requireDashboardSession,
  validate("query", DeadLettersPageQuery),
  async (c) => {
    const query = c.req.valid("query");
    const page = await listEvents(c.env, { ...query, status: "dead" });
    if (!page.ok) throw new Problem(400, `Invalid query: ${page.reason}.`);
    const current = c.req.query();
    const notice =
      query.redriven === undefined
        ? null
        : `Redriven: ${query.redriven} event${query.redriven === 1 ? "" : "s"}.` +
          (query.skipped ? ` Skipped ${query.skipped} (no longer dead, or gone).` : "");
    return renderPage(
      c,
      <DeadLettersPage
        events={page.events}
        notice={notice}
        links={{
          older: page.nextCursor
            ? linkTo("/admin/dead-letters", current, PAGE_KEYS, { cursor: page.nextCursor })
            : null,
          newest: query.cursor ? linkTo("/admin/dead-letters", current, PAGE_KEYS, { cursor: null }) : null,
        }}
      />,
    );
  },
);

deadLetterRoutes.get(
  "/dead-letters/redrive",
  requireDashboardSession,
  validate("query", NoQuery),
  async (c) => {
    const page = await listEvents(c.env, { status: "dead", limit: REDRIVE_ALL_LIMIT });
    const count = page.ok ? page.events.length : 0;
    return renderPage(
      c,
      <ConfirmPage
        title="Redrive all dead letters?"
        section="dead-letters"
        action="/admin/dead-letters/redrive"
        fields={{}}
        confirmLabel={`Redrive ${count} event${count === 1 ? "" : "s"} now`}
        cancelHref="/admin/dead-letters"
      >
        <p>
          Redrives {count} dead event{count === 1 ? "" : "s"}, newest first (at most {REDRIVE_ALL_LIMIT} per
          click).
        </p>
        <p class="muted">{REDRIVE_EXPLAINED}</p>
      </ConfirmPage>,
    );
  },
);

deadLetterRoutes.post(
  "/dead-letters/redrive",
  requireDashboardSession,
  requireSameOrigin,
  validate("form", RedriveForm),
  async (c) => {
    const { source, id, back } = c.req.valid("form");
    if ((source === undefined) !== (id === undefined))
      throw new Problem(400, "Give both source and id to redrive one event, or neither to redrive all.");
    const one = source !== undefined && id !== undefined ? { source, id } : null;
    const { redriven, skipped } = await redriveDeadEvents(c.env, one && [one], REDRIVE_ALL_LIMIT);
    log("admin", {
      outcome: "redrive",
      via: "dashboard",
      redriven: redriven.length,
      skipped: skipped.length,
    });
    if (one && back === "event") {
      const outcome = redriven.length > 0 ? "redriven" : (skipped[0]?.reason ?? "not_found");
      return c.redirect(`${eventPath(one.source, one.id)}?redrive=${outcome}`, 303);
    }
    return c.redirect(`/admin/dead-letters?redriven=${redriven.length}&skipped=${skipped.length}`, 303);
  },
);
