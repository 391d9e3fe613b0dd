/** The dashboard's error page: the same generic detail the admin API would send as a problem. */
import type { FC } from "hono/jsx";
import { Layout } from "./page-layout";

export const ErrorPage: FC<{ status: number; detail: string }> = ({ status, detail }) => (
  <Layout title={`Error ${status}`} section={null} signedIn>
    <h1>Error {status}</h1>
    <p class="error">{detail}</p>
    <p>
      <a href="/admin">← events</a>
    </p>
  </Layout>
);
