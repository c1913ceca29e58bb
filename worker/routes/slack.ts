import { Hono, type Context } from "hono";
import { BlockActionsPayload, SlashCommandForm } from "../../schema/slack-api";
import { requireSlack } from "../auth/require-slack";
import type { AppEnv } from "../http/app-env";
import { handleSlashCommand } from "../services/slack/handle-command";
import { handleClick } from "../services/slack/handle-click";
import type { SlackOutcome } from "../services/slack/slack-permissions";
import { helpReply } from "../services/slack/command-replies";
import { outboundUrlProblem } from "../notify/outbound-url";

/**
 * Slack's two endpoints: the /keel slash command and button clicks. Signed by
 * Slack instead of a bearer token (requireSlack). Slack wants an answer
 * within 3 s: the route answers at once and hands slow work to waitUntil.
 */
export const slackRoutes = new Hono<AppEnv>()
  .post("/slack/commands", requireSlack, async (c) => {
    const fields = Object.fromEntries(new URLSearchParams(c.get("slackBody")));
    // Slack checks the certificate of a new command URL with an ssl_check post: a plain 200.
    if (fields.ssl_check !== undefined) return c.body(null, 200);
    const form = SlashCommandForm.safeParse(fields);
    const allowHttp = c.get("vars").KEEL_ALLOW_HTTP_TARGETS === "true";
    if (!form.success || outboundUrlProblem(form.data.response_url, allowHttp) !== null) return c.json(helpReply("Slack sent a command keel could not read."));
    return answer(c, await handleSlashCommand(c.env, form.data, Date.now()));
  })
  .post("/slack/interactivity", requireSlack, async (c) => {
    const raw = new URLSearchParams(c.get("slackBody")).get("payload");
    let payload: unknown = null;
    try {
      payload = raw === null ? null : JSON.parse(raw);
    } catch {
      // unreadable: answered like any payload keel does not handle
    }
    const parsed = BlockActionsPayload.safeParse(payload);
    if (!parsed.success) return c.body(null, 200);
    const vars = c.get("vars");
    return answer(c, await handleClick(c.env, parsed.data, { publicUrl: vars.KEEL_PUBLIC_URL, allowHttpLoopback: vars.KEEL_ALLOW_HTTP_TARGETS === "true" }));
  });

function answer(c: Context<AppEnv>, outcome: SlackOutcome): Response {
  const later = outcome.later;
  if (later) c.executionCtx.waitUntil(later().catch((err: unknown) => console.error("slack: work after the ack failed:", err)));
  return outcome.reply ? c.json(outcome.reply) : c.body(null, 200);
}
