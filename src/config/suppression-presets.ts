/**
 * Loop breakers: a source's `suppress` rules, written as a route filter or as a shipped preset that names
 * the agent's own identity, so events the agent itself caused are recorded as `suppressed`, not delivered.
 * Every preset expands to a plain filter here, so matching has one code path (src/routes/match-filter.ts).
 */
import { z } from "zod";
import { RouteFilter } from "../routes/filter-schema";

const RuleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "a rule name is lowercase letters, digits, - and _");
const Id = z.string().min(1).max(256);

/**
 * The shipped presets, each off until configured with the agent's own identity. Each names the payload
 * field where that provider says who acted.
 */
const PresetRule = z.discriminatedUnion("preset", [
  /** GitHub: `sender.type == "Bot"` with the agent's login, such as `hookgate-agent[bot]`. */
  z.strictObject({ name: RuleName, preset: z.literal("github-bot"), login: Id }),
  /** GitHub: `performed_via_github_app.id` is the agent's GitHub App id. */
  z.strictObject({ name: RuleName, preset: z.literal("github-app"), appId: z.number().int().positive() }),
  /** Slack: `event.bot_id` is the agent's bot id (what Bolt's `ignoreSelf()` drops). */
  z.strictObject({ name: RuleName, preset: z.literal("slack-bot"), botId: Id }),
  /** Slack: `event.app_id` is the agent's app id. */
  z.strictObject({ name: RuleName, preset: z.literal("slack-app"), appId: Id }),
  /** Slack: any `event.subtype == "bot_message"` (every bot's messages, not only the agent's). */
  z.strictObject({ name: RuleName, preset: z.literal("slack-bot-messages") }),
  /** Linear: `actor.id` is the agent's user or application id. */
  z.strictObject({ name: RuleName, preset: z.literal("linear-actor"), actorId: Id }),
  /** Discord: the interaction's `member.user.id` or `user.id`, or an event's `event.data.user.id`. */
  z.strictObject({ name: RuleName, preset: z.literal("discord-user"), userId: Id }),
  /** Intercom: the conversation's source author or a conversation part's author is the agent's admin or bot id. */
  z.strictObject({ name: RuleName, preset: z.literal("intercom-author"), authorId: Id }),
]);
type PresetRule = z.infer<typeof PresetRule>;

const FilterRule = z.strictObject({ name: RuleName, filter: RouteFilter });

/** The filter a preset stands for: what `{ name, filter }` it is shorthand for. */
export function presetFilter(rule: PresetRule): RouteFilter {
  switch (rule.preset) {
    case "github-bot":
      return { "payload.sender.type": "Bot", "payload.sender.login": rule.login };
    case "github-app":
      return { "payload.performed_via_github_app.id": rule.appId };
    case "slack-bot":
      return { "payload.event.bot_id": rule.botId };
    case "slack-app":
      return { "payload.event.app_id": rule.appId };
    case "slack-bot-messages":
      return { "payload.event.subtype": "bot_message" };
    case "linear-actor":
      return { "payload.actor.id": rule.actorId };
    case "discord-user":
      return {
        $or: [
          { "payload.member.user.id": rule.userId },
          { "payload.user.id": rule.userId },
          { "payload.event.data.user.id": rule.userId },
        ],
      };
    case "intercom-author":
      return {
        $or: [
          { "payload.data.item.source.author.id": rule.authorId },
          { "payload.data.item.conversation_parts.conversation_parts.author.id": rule.authorId },
        ],
      };
  }
}

/**
 * One suppress rule as config writes it (`{ name, filter }` or `{ name, preset, … }`), validated and
 * expanded to `{ name, filter }`.
 *
 * @example SuppressRule.parse({ name: "own-bot", preset: "github-bot", login: "hookgate-agent[bot]" })
 */
export const SuppressRule = z.unknown().transform((value, context) => {
  // Dispatch on `preset` rather than z.union, so a mistake is reported at its own path with its own message.
  const hasPreset = typeof value === "object" && value !== null && Object.hasOwn(value, "preset");
  const parsed = (hasPreset ? PresetRule : FilterRule).safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      context.addIssue({ code: "custom", path: issue.path, message: issue.message });
    return z.NEVER;
  }
  const rule = parsed.data;
  return { name: rule.name, filter: "preset" in rule ? presetFilter(rule) : rule.filter };
});
export type SuppressRule = z.infer<typeof SuppressRule>;

/** A source's rules: names are unique, so the log, the API and the dashboard can say which one matched. */
export const SuppressRules = z
  .array(SuppressRule)
  .max(64)
  .refine(
    (rules) => new Set(rules.map((r) => r.name)).size === rules.length,
    "suppress rule names must be unique",
  );
