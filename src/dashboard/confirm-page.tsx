/**
 * The confirm step before a replay or a bulk redrive. The dashboard runs no script (its CSP forbids it),
 * so a button that changes state first leads here with a GET; only this page's form POSTs the action.
 */
import type { Child, FC } from "hono/jsx";
import { Layout, type Section } from "./page-layout";

type ConfirmPageProps = {
  title: string;
  section: Section;
  /** What will happen, in one or two sentences. */
  children?: Child;
  action: string;
  fields: Record<string, string>;
  confirmLabel: string;
  cancelHref: string;
};

export const ConfirmPage: FC<ConfirmPageProps> = ({
  title,
  section,
  children,
  action,
  fields,
  confirmLabel,
  cancelHref,
}) => (
  <Layout title={title} section={section} signedIn>
    <h1>{title}</h1>
    {children}
    <div class="actions">
      <form method="post" action={action}>
        {Object.entries(fields).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <button type="submit">{confirmLabel}</button>
      </form>
      <a href={cancelHref}>Cancel</a>
    </div>
  </Layout>
);
