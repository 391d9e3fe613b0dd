/** `/admin/login`: exchanges the admin token for the dashboard's session cookie. */
import type { FC } from "hono/jsx";
import { Layout } from "./page-layout";

export const LoginPage: FC<{ error: string | null }> = ({ error }) => (
  <Layout title="Log in" section={null} signedIn={false}>
    <form class="login" method="post" action="/admin/login">
      <h1>Hookgate dashboard</h1>
      {error ? <p class="error">{error}</p> : null}
      <label>
        admin token
        <input type="password" name="token" autocomplete="current-password" required autofocus />
      </label>
      <button type="submit">Log in</button>
      <p class="muted">The token is the gateway's ADMIN_TOKEN secret.</p>
    </form>
  </Layout>
);
