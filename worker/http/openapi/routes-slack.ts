import { z } from "zod";
import { MapSlackUserBody, SlackTeamId, SlackUserId, SlackUserList, SlackUserView, SlashCommandForm } from "../../../schema/slack-api";
import { json, type RouteGroup } from "./route-doc";

/** Slack's answers are Block Kit messages; keel documents their outer shape only. */
const SlackReply = z.object({ response_type: z.enum(["ephemeral", "in_channel"]).optional(), text: z.string().optional(), blocks: z.array(z.unknown()).optional() });

/** worker/routes/slack.ts and slack-users.ts. */
export const slackRouteDocs: RouteGroup = {
  tag: "slack",
  description: "The /keel slash command and its buttons (signed by Slack), and which Slack users are which keel role.",
  routes: [
    {
      method: "POST",
      path: "/slack/commands",
      access: "slack",
      summary: "The /keel slash command: certs, renew-certs, backup, runs, audit, help",
      description: "Answered at once (ephemeral); slow work continues after the answer and reports to the command's response_url.",
      body: { form: SlashCommandForm },
      responses: { 200: json(SlackReply, "the reply Slack shows (empty for ssl_check)") },
    },
    {
      method: "POST",
      path: "/slack/interactivity",
      access: "slack",
      summary: "A button click (block_actions): confirms renew-certs or backup",
      body: { form: z.object({ payload: z.string() }), description: "Slack's payload: the block_actions JSON as one form field." },
      responses: { 200: json(SlackReply, "the reply Slack shows, or an empty 200") },
    },
    { method: "POST", path: "/v1/slack/users", access: "admin", summary: "Map a Slack user to a keel role", body: { json: MapSlackUserBody }, responses: { 201: json(z.object({ user: SlackUserView }), "mapped") } },
    { method: "GET", path: "/v1/slack/users", access: "admin", summary: "List the Slack users keel knows", responses: { 200: json(SlackUserList, "every mapping") } },
    {
      method: "DELETE",
      path: "/v1/slack/users/:team/:user",
      access: "admin",
      summary: "Forget a Slack user",
      params: { team: SlackTeamId, user: SlackUserId },
      responses: { 200: json(z.object({ user: SlackUserView }), "removed") },
      errors: ["not_found"],
    },
  ],
};
