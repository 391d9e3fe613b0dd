/** Suppress-rule presets: each expands to a filter that matches the agent's own events and not others'. */
import { describe, expect, it } from "vitest";
import { SuppressRule, SuppressRules } from "../../src/config/suppression-presets";
import { matchesFilter } from "../../src/routes/match-filter";
import discordCommand from "../fixtures/discord/application_command.deploy.json";
import intercomConversation from "../fixtures/intercom/conversation.user.created.json";
import linearIssue from "../fixtures/linear/Issue.create.json";

const matches = (rule: unknown, payload: unknown) =>
  matchesFilter(SuppressRule.parse(rule).filter, { source: "s", type: "t", payload, headers: {} });

describe("suppress presets", () => {
  it.each([
    [
      { name: "r", preset: "github-bot", login: "agent[bot]" },
      { sender: { login: "agent[bot]", type: "Bot" } },
      { sender: { login: "agent[bot]", type: "User" } },
    ],
    [
      { name: "r", preset: "github-app", appId: 42 },
      { performed_via_github_app: { id: 42 } },
      { performed_via_github_app: { id: 43 } },
    ],
    [
      { name: "r", preset: "slack-bot", botId: "B1" },
      { event: { bot_id: "B1" } },
      { event: { bot_id: "B2" } },
    ],
    [{ name: "r", preset: "slack-app", appId: "A1" }, { event: { app_id: "A1" } }, { event: { user: "U1" } }],
    [
      { name: "r", preset: "slack-bot-messages" },
      { event: { subtype: "bot_message" } },
      { event: { subtype: "channel_join" } },
    ],
    [
      { name: "r", preset: "linear-actor", actorId: linearIssue.body.actor.id },
      linearIssue.body,
      { ...linearIssue.body, actor: { id: "someone-else", type: "user" } },
    ],
    [
      { name: "r", preset: "discord-user", userId: discordCommand.body.member.user.id },
      discordCommand.body,
      { user: { id: "1" } },
    ],
    [
      {
        name: "r",
        preset: "intercom-author",
        authorId: intercomConversation.body.data.item.source.author.id,
      },
      intercomConversation.body,
      { data: { item: { conversation_parts: { conversation_parts: [{ author: { id: "other" } }] } } } },
    ],
  ])("%o matches its own event and not another", (rule, own, other) => {
    expect(matches(rule, own)).toBe(true);
    expect(matches(rule, other)).toBe(false);
  });

  it("keeps a filter rule's filter as written", () => {
    const filter = { "payload.sender.login": "hookgate-agent[bot]" };
    expect(SuppressRule.parse({ name: "own-bot", filter })).toEqual({ name: "own-bot", filter });
  });

  it("refuses duplicate rule names and unknown keys", () => {
    const rule = { name: "a", preset: "slack-bot-messages" };
    expect(SuppressRules.safeParse([rule, rule]).error?.issues[0]?.message).toBe(
      "suppress rule names must be unique",
    );
    expect(SuppressRule.safeParse({ ...rule, extra: 1 }).success).toBe(false);
  });
});
