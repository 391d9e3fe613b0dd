/**
 * The test worker's `HOOKGATE_SOURCES`: two sources with loop breakers, under names of their own so no
 * other test's `github` or `slack` events meet a suppress rule. They reuse those sources' test secrets.
 */
export const LOOP_BREAKER_SOURCES = [
  {
    name: "github-loop",
    provider: "github",
    secretVar: "GITHUB_WEBHOOK_SECRET",
    suppress: [{ name: "own-bot", preset: "github-bot", login: "hookgate-agent[bot]" }],
  },
  {
    name: "slack-loop",
    provider: "slack",
    secretVar: "SLACK_SIGNING_SECRET",
    suppress: [{ name: "bot-messages", preset: "slack-bot-messages" }],
  },
];
