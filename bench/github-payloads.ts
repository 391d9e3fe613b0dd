/**
 * Realistic GitHub webhook bodies for the benchmark, distinct per event: an `issues.opened` of about 2 KB
 * (the common case) and a `push` of about 64 KB (a large push with many commits). Field names and shapes
 * follow GitHub's documented payloads; the values are made up but plausible.
 */

export type PayloadSize = "2kb" | "64kb";

/** Target sizes in bytes; each body is padded to within a few bytes of its target. */
const TARGET_BYTES: Record<PayloadSize, number> = { "2kb": 2 * 1024, "64kb": 64 * 1024 };

/** The `X-GitHub-Event` header that goes with each body. */
export const GITHUB_EVENT: Record<PayloadSize, string> = { "2kb": "issues", "64kb": "push" };

const owner = {
  login: "octo-org",
  id: 6811672,
  node_id: "MDEyOk9yZ2FuaXphdGlvbjY4MTE2NzI=",
  avatar_url: "https://avatars.githubusercontent.com/u/6811672?v=4",
  html_url: "https://github.com/octo-org",
  type: "Organization",
  site_admin: false,
};

const sender = {
  login: "monalisa",
  id: 583231,
  node_id: "MDQ6VXNlcjU4MzIzMQ==",
  avatar_url: "https://avatars.githubusercontent.com/u/583231?v=4",
  html_url: "https://github.com/monalisa",
  type: "User",
  site_admin: false,
};

const repository = {
  id: 1296269,
  node_id: "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
  name: "agent-gateway",
  full_name: "octo-org/agent-gateway",
  private: false,
  owner,
  html_url: "https://github.com/octo-org/agent-gateway",
  description: "Routes repository events to the triage agent",
  fork: false,
  created_at: "2024-03-11T09:12:44Z",
  pushed_at: "2026-11-20T17:02:10Z",
  default_branch: "main",
  visibility: "public",
};

function pad(text: string, bytes: number): string {
  const filler = "Steps to reproduce: send a webhook, watch the agent, compare the outcome. ";
  let out = text;
  while (Buffer.byteLength(out) < bytes) out += filler;
  return out.slice(0, Math.max(text.length, out.length - (Buffer.byteLength(out) - bytes)));
}

function issuesOpened(n: number, now: string): Record<string, unknown> {
  return {
    action: "opened",
    issue: {
      url: `https://api.github.com/repos/octo-org/agent-gateway/issues/${n}`,
      html_url: `https://github.com/octo-org/agent-gateway/issues/${n}`,
      id: 2_000_000_000 + n,
      node_id: `I_kwDOABCD${n.toString(36)}`,
      number: n,
      title: `Agent times out on large pull requests (#${n})`,
      user: sender,
      labels: [{ id: 208045946, name: "bug", color: "d73a4a", default: true }],
      state: "open",
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: 0,
      created_at: now,
      updated_at: now,
      closed_at: null,
      author_association: "MEMBER",
      body: "",
    },
    repository,
    sender,
  };
}

function push(n: number, now: string, commits: number): Record<string, unknown> {
  const sha = (i: number) => `${n.toString(16).padStart(8, "0")}${i.toString(16).padStart(32, "0")}`;
  return {
    ref: "refs/heads/main",
    before: sha(0),
    after: sha(commits),
    created: false,
    deleted: false,
    forced: false,
    compare: `https://github.com/octo-org/agent-gateway/compare/${sha(0).slice(0, 12)}...${sha(commits).slice(0, 12)}`,
    commits: Array.from({ length: commits }, (_, i) => ({
      id: sha(i + 1),
      tree_id: sha(i + 1001),
      distinct: true,
      message: `Refactor delivery path, part ${i + 1} of push ${n}\n\nSplits the consumer into smaller steps.`,
      timestamp: now,
      url: `https://github.com/octo-org/agent-gateway/commit/${sha(i + 1)}`,
      author: { name: "Mona Lisa", email: "mona@example.com", username: "monalisa" },
      committer: { name: "GitHub", email: "noreply@github.com", username: "web-flow" },
      added: [`src/queue/step-${i}.ts`],
      removed: [],
      modified: ["src/queue/deliver-batch.ts", "README.md"],
    })),
    head_commit: null,
    repository,
    pusher: { name: "monalisa", email: "mona@example.com" },
    sender,
  };
}

let pushCommits: { target: number; commits: number } | null = null;

/** As many commits as fit under the target (computed once: every push of the run has the same shape). */
function commitsFor(target: number, now: string): number {
  if (pushCommits?.target !== target) {
    let commits = 1;
    while (JSON.stringify(push(99_999_999, now, commits + 1)).length < target) commits++;
    pushCommits = { target, commits };
  }
  return pushCommits.commits;
}

/** The `n`-th distinct body of the given size, as the exact string that is signed and sent. */
export function githubBody(size: PayloadSize, n: number, now = new Date().toISOString()): string {
  const target = TARGET_BYTES[size];
  if (size === "2kb") {
    const event = issuesOpened(n, now);
    const bare = JSON.stringify(event).length;
    (event.issue as { body: string }).body = pad(`Issue ${n}. `, target - bare);
    return JSON.stringify(event);
  }
  const event = push(n, now, commitsFor(target, now));
  const first = (event.commits as { message: string }[])[0];
  if (first) first.message = pad(first.message, first.message.length + target - JSON.stringify(event).length);
  return JSON.stringify(event);
}
