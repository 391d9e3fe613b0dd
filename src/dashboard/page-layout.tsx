/**
 * The dashboard's page shell and the headers every page is sent with. Pages run no script at all: the
 * Content-Security-Policy allows only this file's stylesheet (by hash) and same-origin form posts, and
 * live views refresh with `<meta http-equiv="refresh">`.
 */
import type { Context } from "hono";
import { html } from "hono/html";
import type { Child, FC } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { utf8 } from "../verify/encoding";

// Hono escapes text inside <style> like any text, so this sheet avoids the characters < > & ' and ".
const STYLESHEET = `
:root{--fg:#1d2129;--muted:#5d6877;--bg:#fff;--panel:#f4f6f9;--line:#d9dee5;--accent:#1f55c9;
--ok:#17773a;--warn:#9a6200;--bad:#b42318;--info:#1f55c9}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:.4rem 1.25rem;align-items:center;width:100%;padding:.55rem 1.5rem;background:#17202e;color:#fff}
header a{color:#dbe5f5;text-decoration:none}
header a.active,header a:hover{color:#fff;text-decoration:underline}
header .brand{font-weight:700;color:#fff;margin-right:.5rem}
header form{margin-left:auto}
main{padding:1rem 1.5rem 3rem;max-width:1280px;min-width:0}
h1{font-size:1.35rem;margin:.4rem 0 1rem}
h1 code{font-size:1.2rem;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:1.6rem 0 .5rem}
h3{font-size:.95rem;margin:1rem 0 .35rem;font-family:ui-monospace,monospace}
a{color:var(--accent)}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
.table-scroll{overflow-x:auto;max-width:100%;margin:.25rem 0 1rem}
.table-scroll table{margin:0}
td.id{overflow-wrap:anywhere;min-width:9rem}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.78rem;text-transform:uppercase;letter-spacing:.03em;color:var(--muted);background:var(--panel)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th.header-name{width:18rem;text-transform:none;letter-spacing:0;font-size:.86rem;font-weight:600;color:var(--fg)}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86rem}
pre{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:.8rem;overflow:auto;max-height:32rem}
pre.answer{margin:.3rem 0 0;padding:.3rem .5rem;max-height:8rem;white-space:pre-wrap;word-break:break-all;font-size:.8rem}
.muted{color:var(--muted)}
.badge{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.8rem;font-weight:600;border:1px solid}
.badge.delivered,.badge.done{color:var(--ok)}
.badge.retrying,.badge.failed,.badge.held{color:var(--warn)}
.badge.dead{color:var(--bad)}
.badge.accepted,.badge.pending{color:var(--info)}
.badge.active{color:var(--ok)}.badge.paused{color:var(--warn)}.badge.circuit-open{color:var(--bad)}
.badge.no_handler,.badge.suppressed,.badge.filtered,.badge.superseded,.badge.idle{color:var(--muted)}
.badge.blocked{color:var(--bad)}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:0 0 1rem}
.card{border:1px solid var(--line);border-radius:8px;padding:.45rem .9rem;min-width:7.5rem;background:var(--panel)}
.card b{display:block;font-size:1.3rem;font-variant-numeric:tabular-nums}
.card span{font-size:.78rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:0 0 .75rem}
label{display:flex;flex-direction:column;font-size:.78rem;color:var(--muted);gap:.15rem}
input,select,button{font:inherit;padding:.3rem .5rem;border:1px solid var(--line);border-radius:5px;background:var(--bg);color:var(--fg)}
button{cursor:pointer;background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600}
button.secondary{background:var(--bg);color:var(--accent)}
header button{background:transparent;border-color:#50607a;color:#dbe5f5;font-weight:400;padding:.15rem .6rem}
.actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin:.5rem 0 1rem}
.actions form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.explain{flex-basis:100%;font-size:.8rem}
.notice{border:1px solid var(--ok);color:var(--ok);border-radius:6px;padding:.5rem .8rem;margin:0 0 1rem}
.error{border:1px solid var(--bad);color:var(--bad);border-radius:6px;padding:.5rem .8rem;margin:0 0 1rem}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1.2rem;margin:0 0 1rem}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
code.id{overflow-wrap:anywhere}
.pager{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
.login{max-width:24rem;margin:4rem auto;display:flex;flex-direction:column;gap:.8rem}
@media (max-width:600px){header{padding:.5rem .75rem;gap:.3rem .9rem}main{padding:.75rem .75rem 2rem}
th,td{padding:.3rem .4rem}.wide-only{display:none}.cards{gap:.4rem}.card{min-width:5.5rem;padding:.3rem .6rem}.card b{font-size:1.1rem}dl.facts{grid-template-columns:minmax(0,1fr)}dl.facts dt{margin-top:.3rem}}
`;

let stylesheetHash: Promise<string> | undefined;

/** CSP source for the stylesheet; computed on first use (crypto is not available at global scope). */
function stylesheetSource(): Promise<string> {
  stylesheetHash ??= crypto.subtle
    .digest("SHA-256", utf8.encode(STYLESHEET))
    .then((digest) => `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`);
  return stylesheetHash;
}

export type Section = "events" | "dead-letters" | "routes" | null;

type LayoutProps = {
  title: string;
  section: Section;
  signedIn: boolean;
  /** Reload the page after this many seconds (live views). */
  refreshSeconds?: number | undefined;
  children?: Child;
};

export const Layout: FC<LayoutProps> = ({ title, section, signedIn, refreshSeconds, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      {refreshSeconds ? <meta http-equiv="refresh" content={String(refreshSeconds)} /> : null}
      <title>{`${title} · Hookgate`}</title>
      <style>{STYLESHEET}</style>
    </head>
    <body>
      <header>
        <span class="brand">Hookgate</span>
        {signedIn ? (
          <>
            <a href="/admin" class={section === "events" ? "active" : undefined}>
              Events
            </a>
            <a href="/admin/dead-letters" class={section === "dead-letters" ? "active" : undefined}>
              Dead letters
            </a>
            <a href="/admin/routes" class={section === "routes" ? "active" : undefined}>
              Routes
            </a>
            <form method="post" action="/admin/logout">
              <button type="submit">Log out</button>
            </form>
          </>
        ) : null}
      </header>
      <main>{children}</main>
    </body>
  </html>
);

/** Sends a page with the dashboard's security headers; nothing is cached, nothing may frame it. */
export async function renderPage(c: Context, page: Child, status: ContentfulStatusCode = 200) {
  const styleSource = await stylesheetSource();
  c.header(
    "content-security-policy",
    `default-src 'none'; style-src ${styleSource}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  );
  c.header("cache-control", "no-store");
  c.header("referrer-policy", "same-origin");
  c.header("x-content-type-options", "nosniff");
  c.header("x-frame-options", "DENY");
  return c.html(html`<!doctype html>${page}`, status);
}
