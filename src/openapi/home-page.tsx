/** `GET /`: a small page that points a visitor to the dashboard, the API reference and the health check. */
import type { FC } from "hono/jsx";

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2330}
code{font-family:ui-monospace,monospace;font-size:13px}li{margin:.3rem 0}`;

/** `styleNonce` is the CSP nonce that lets the page's one inline stylesheet apply. */
export const HomePage: FC<{ styleNonce: string | undefined }> = ({ styleNonce }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>Hookgate</title>
      <style nonce={styleNonce}>{STYLE}</style>
    </head>
    <body>
      <h1>Hookgate</h1>
      <p>
        A webhook gateway: providers post to <code>/webhooks/&lt;source&gt;</code>, and verified events are
        delivered to the agent handlers.
      </p>
      <ul>
        <li>
          <a href="/admin">/admin</a>: the operator dashboard (needs the admin token)
        </li>
        <li>
          <a href="/docs">/docs</a>: the API reference (<a href="/openapi.json">/openapi.json</a>)
        </li>
        <li>
          <a href="/healthz">/healthz</a>: the health check
        </li>
      </ul>
    </body>
  </html>
);
