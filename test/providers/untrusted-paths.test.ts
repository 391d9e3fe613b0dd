/// <reference types="vite/client" />
/**
 * Every preset declares the payload paths third parties write, and the envelope of each sample event
 * (test/fixtures/<source>/*.json) lists exactly the declared paths that sample holds, array indexes expanded.
 */
import { describe, expect, it } from "vitest";
import { renderFixture, type SampleFixture } from "../../scripts/sample-signers/render-fixture.ts";
import { sources } from "../../src/config/sources";
import { providers } from "../../src/providers";
import { MAX_UNTRUSTED_PATHS, presentUntrustedPaths, valueAtPath } from "../../src/providers/untrusted-paths";
import { buildEnvelope } from "../../src/queue/build-envelope";

/** Sample → the untrusted paths its envelope must list (samples of HOOKGATE_SOURCES sources excluded). */
const EXPECTED: Record<string, string[]> = {
  "bitbucket/repo.push": [
    "payload.push.changes.0.new.target.message",
    "payload.push.changes.0.commits.0.message",
  ],
  "browserbase/functions.invocations.completed": [],
  "calendly/invitee.created": [
    "payload.payload.name",
    "payload.payload.first_name",
    "payload.payload.last_name",
  ],
  "clerk/user.created": ["payload.data.first_name", "payload.data.last_name", "payload.data.unsafe_metadata"],
  "discord/application_command.deploy": ["payload.data.options.0.value"],
  "elevenlabs/post_call_transcription": [
    "payload.data.transcript.0.message",
    "payload.data.transcript.1.message",
    "payload.data.analysis.transcript_summary",
  ],
  "fal/request.ok": ["payload.payload"],
  "firecrawl/crawl.page": ["payload.data.0.markdown", "payload.data.0.metadata.title"],
  "generic/thing.happened": [],
  "github/issues.opened": ["payload.issue.title"],
  "gitlab/push": ["payload.commits.0.message", "payload.commits.0.title"],
  "hubspot/contact.creation": [],
  "intercom/conversation.user.created": ["payload.data.item.source.subject", "payload.data.item.source.body"],
  "jira/jira.issue_created": ["payload.issue.fields.summary"],
  "lemonsqueezy/order_created": ["payload.data.attributes.user_name"],
  "linear/Issue.create": ["payload.data.title"],
  "livekit/participant_joined": [],
  "mailgun/delivered": [
    "payload.event-data.message.headers.subject",
    "payload.event-data.delivery-status.message",
    "payload.event-data.delivery-status.description",
  ],
  "mux/video.asset.ready": [],
  "notion/page.content_updated": [],
  "openai/response.completed": [],
  "paddle/transaction.completed": [],
  "pagerduty/incident.triggered": ["payload.event.data.title"],
  "polar/order.paid": ["payload.data.customer.name"],
  "postmark/Delivery": ["payload.Details"],
  "recall/bot.done": [],
  "replicate/prediction.succeeded": ["payload.input", "payload.output"],
  "resend/email.delivered": ["payload.data.subject"],
  "retell/call_ended": ["payload.call.transcript"],
  "sendgrid/delivered": [],
  "sentry/issue.created": [
    "payload.data.issue.title",
    "payload.data.issue.culprit",
    "payload.data.issue.metadata.value",
  ],
  "shopify/orders.create": [],
  "slack/app_mention": ["payload.event.text"],
  "slack/block_actions": [],
  "square/payment.updated": [],
  "standard-ed25519/contact.created": [],
  "standard/user.created": [],
  "stripe/customer.created": [],
  "svix/invoice.paid": [],
  "twilio/message.delivered": [],
  "twitch/channel.follow": [],
  "typeform/form_response": ["payload.form_response.answers.0.text"],
  "vercel/deployment.created": [],
  "workos/dsync.user.created": ["payload.data.first_name", "payload.data.last_name"],
  "zendesk/zen.event-type.ticket.created": ["payload.detail.subject", "payload.detail.description"],
  "zoom/meeting.started": ["payload.payload.object.topic"],
};

const CONFIG_SIGNED_SAMPLES = ["agentx"];
const fixtures = import.meta.glob<SampleFixture>("../fixtures/*/*.json", { eager: true, import: "default" });
const samples = Object.entries(fixtures)
  .map(([path, fixture]) => ({ name: path.replace(/^\.\.\/fixtures\/(.+)\.json$/, "$1"), fixture }))
  .filter(({ name }) => !CONFIG_SIGNED_SAMPLES.includes(name.split("/")[0] ?? ""));

function envelopeOf(name: string, fixture: SampleFixture) {
  const source = name.split("/")[0] ?? "";
  const rendered = renderFixture(fixture);
  const body = new TextEncoder().encode(rendered.body);
  const event = {
    source,
    id: "evt_1",
    type: "t",
    receivedAt: Date.now(),
    bodySize: body.byteLength,
    shard: 0,
    headers: rendered.headers,
    verifiedWith: "current" as const,
    body,
    routes: null,
  };
  return buildEnvelope(event, body, sources.get(source));
}

describe("untrusted paths of the presets", () => {
  it("are declared by every preset, as payload paths in the route-filter style", () => {
    for (const [name, provider] of Object.entries(providers)) {
      expect(provider.untrustedPaths, name).toBeDefined();
      for (const path of provider.untrustedPaths ?? [])
        expect(path, name).toMatch(/^payload(\[\])*(\.[A-Za-z0-9_-]+(\[\])*)*$/);
    }
  });

  it("has an expectation for every sample", () => {
    expect(samples.map(({ name }) => name).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(samples)("$name: the envelope lists the declared paths the sample holds", ({ name, fixture }) => {
    const envelope = envelopeOf(name, fixture);
    expect(envelope.untrusted).toEqual(EXPECTED[name]);
    for (const path of envelope.untrusted) expect(valueAtPath(envelope, path), path).not.toBeUndefined();
  });
});

describe("presentUntrustedPaths", () => {
  const payload = {
    commits: [{ message: "a" }, { message: null }, { title: "no message" }, { message: "d" }],
    issue: { body: "" },
    events: [[{ text: "nested" }]],
  };

  it("expands array elements to indexes and skips absent and null values", () => {
    expect(
      presentUntrustedPaths({ payload }, [
        "payload.commits[].message",
        "payload.issue.body",
        "payload.issue.title",
      ]),
    ).toEqual(["payload.commits.0.message", "payload.commits.3.message", "payload.issue.body"]);
  });

  it("walks arrays in arrays and top-level arrays", () => {
    expect(presentUntrustedPaths({ payload }, ["payload.events[][].text"])).toEqual([
      "payload.events.0.0.text",
    ]);
    expect(presentUntrustedPaths({ payload: [{ v: 1 }, { v: 2 }] }, ["payload[].v"])).toEqual([
      "payload.0.v",
      "payload.1.v",
    ]);
  });

  it("never reads inherited keys or indexes a string", () => {
    expect(
      presentUntrustedPaths({ payload: { body: "text" } }, ["payload.body.length", "payload.toString"]),
    ).toEqual([]);
    expect(presentUntrustedPaths({ payload: { body: "text" } }, ["payload.body[]"])).toEqual([]);
  });

  it(`lists at most ${MAX_UNTRUSTED_PATHS} paths, however large the arrays`, () => {
    const commits = Array.from({ length: 5_000 }, (_, index) => ({ message: `m${index}` }));
    const paths = presentUntrustedPaths({ payload: { commits } }, ["payload.commits[].message"]);
    expect(paths).toHaveLength(MAX_UNTRUSTED_PATHS);
    expect(paths.at(-1)).toBe(`payload.commits.${MAX_UNTRUSTED_PATHS - 1}.message`);
  });
});
