import { z } from "zod";
import { Role } from "./api";

/**
 * Slack's side of keel: the mapping of Slack users to keel roles (admin API
 * and CLI), and the requests Slack sends (slash command form, interactivity
 * payload), parsed only after their signature checked out.
 */

/** Slack team (workspace) ids start with T (E for an Enterprise Grid org). */
export const SlackTeamId = z.string().regex(/^[TE][A-Z0-9]{2,30}$/, "must be a Slack team id such as T0123ABCD");
/** Slack user ids start with U (W for Enterprise Grid users). */
export const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{2,30}$/, "must be a Slack user id such as U0123ABCD");

export const MapSlackUserBody = z.strictObject({ team: SlackTeamId, user: SlackUserId, role: Role });
export type MapSlackUserBody = z.infer<typeof MapSlackUserBody>;

export const SlackUserParams = z.object({ team: SlackTeamId, user: SlackUserId });
export type SlackUserParams = z.infer<typeof SlackUserParams>;

export const SlackUserView = z.object({ team: z.string(), user: z.string(), role: Role, createdBy: z.string(), createdAt: z.number() });
export type SlackUserView = z.infer<typeof SlackUserView>;

export const SlackUserList = z.object({ users: z.array(SlackUserView) });
export type SlackUserList = z.infer<typeof SlackUserList>;

/** The slash command's form fields keel reads (Slack sends more; they are ignored). */
export const SlashCommandForm = z.object({
  team_id: SlackTeamId,
  user_id: SlackUserId,
  command: z.string().max(100),
  text: z.string().max(4000).default(""),
  response_url: z.url().max(2000),
  channel_id: z.string().max(100).optional(),
});
export type SlashCommandForm = z.infer<typeof SlashCommandForm>;

/** A button click (`block_actions`) as far as keel reads it. */
export const BlockActionsPayload = z.object({
  type: z.literal("block_actions"),
  user: z.object({ id: SlackUserId, team_id: SlackTeamId.optional() }),
  team: z.object({ id: SlackTeamId }).nullable().optional(),
  channel: z.object({ id: z.string().max(100) }).optional(),
  response_url: z.url().max(2000),
  actions: z.array(z.object({ action_id: z.string().max(255), value: z.string().max(2000).optional() })).min(1),
});
export type BlockActionsPayload = z.infer<typeof BlockActionsPayload>;
