/** `GET /docs`: the OpenAPI document rendered as one self-contained HTML page (no external assets). */
import type { FC } from "hono/jsx";
import type { openApiDocument } from "./openapi-document";

type Document = ReturnType<typeof openApiDocument>;
type Operation = {
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema?: { $ref?: string } }> }
  >;
};

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2330}
h2{margin-top:2.5rem;border-bottom:1px solid #ddd}code,pre{font-family:ui-monospace,monospace;font-size:13px}
pre{background:#f5f6f8;padding:.75rem;overflow:auto;border-radius:6px}.m{display:inline-block;min-width:4.5em;font-weight:700}
.post{color:#0b6e4f}.get{color:#1f5fbf}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}`;

const Endpoint: FC<{ method: string; path: string; op: Operation }> = ({ method, path, op }) => (
  <section>
    <h3>
      <span class={`m ${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
      {op.security ? " 🔒" : ""}
    </h3>
    <p>{op.summary}</p>
    {op.description ? <p>{op.description}</p> : null}
    {op.parameters?.length ? (
      <table>
        <tr>
          <th>parameter</th>
          <th>in</th>
          <th>required</th>
          <th>schema</th>
        </tr>
        {op.parameters.map((p) => (
          <tr>
            <td>
              <code>{p.name}</code>
            </td>
            <td>{p.in}</td>
            <td>{p.required ? "yes" : "no"}</td>
            <td>
              <code>{JSON.stringify(p.schema)}</code>
            </td>
          </tr>
        ))}
      </table>
    ) : null}
    <ul>
      {Object.entries(op.responses).map(([status, response]) => {
        const ref = Object.values(response.content ?? {})[0]
          ?.schema?.$ref?.split("/")
          .pop();
        return (
          <li>
            <b>{status}</b> {response.description}
            {ref ? (
              <>
                {" "}
                → <a href={`#schema-${ref}`}>{ref}</a>
              </>
            ) : null}
          </li>
        );
      })}
    </ul>
  </section>
);

/** `styleNonce` is the CSP nonce that lets the page's one inline stylesheet apply. */
export const ApiReference: FC<{ doc: Document; styleNonce: string | undefined }> = ({ doc, styleNonce }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <title>{doc.info.title} API reference</title>
      <style nonce={styleNonce}>{STYLE}</style>
    </head>
    <body>
      <h1>{doc.info.title} API reference</h1>
      <p>
        {doc.info.description} Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI{" "}
        {doc.openapi}). 🔒 =<code> Authorization: Bearer $ADMIN_TOKEN</code>.
      </p>
      <h2>Endpoints</h2>
      {Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods as Record<string, Operation>).map(([method, op]) => (
          <Endpoint method={method} path={path} op={op} />
        )),
      )}
      <h2>Schemas</h2>
      {Object.entries(doc.components.schemas).map(([name, schema]) => (
        <section id={`schema-${name}`}>
          <h3>{name}</h3>
          <pre>{JSON.stringify(schema, null, 2)}</pre>
        </section>
      ))}
    </body>
  </html>
);
