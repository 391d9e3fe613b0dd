/**
 * The small part of Markdown the OpenAPI descriptions use, rendered as HTML: `code` and [links](url).
 * Text stays text (JSX escapes it); only http(s) and same-site links become anchors.
 */
import type { Child } from "hono/jsx";

const TOKEN = /`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;

const safeHref = (href: string) => /^(https?:\/\/|\/|#)/.test(href);

/** `text` with `code` spans and [links](url) rendered; everything else as plain text. */
export function InlineMarkdown({ text }: { text: string | undefined }): Child {
  if (!text) return null;
  const parts: Child[] = [];
  let last = 0;
  for (const match of text.matchAll(TOKEN)) {
    parts.push(text.slice(last, match.index));
    const [whole, code, label, href] = match;
    if (code !== undefined) parts.push(<code>{code}</code>);
    else if (label !== undefined && href !== undefined && safeHref(href))
      parts.push(<a href={href}>{label}</a>);
    else parts.push(whole);
    last = match.index + whole.length;
  }
  parts.push(text.slice(last));
  return <>{parts}</>;
}
