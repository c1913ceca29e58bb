import type { MapSlackUserBody, SlackUserView } from "../../../schema/slack-api";
import { slackUsers } from "../../../schema/tables";
import { appendAuditWith } from "../../core/audit-append";

/** Maps a Slack user to a keel role (a second mapping of the same user replaces the first). */
export async function mapSlackUser(d1: D1Database, input: MapSlackUserBody & { actor: string }): Promise<SlackUserView> {
  const row = { team: input.team, user: input.user, role: input.role, createdBy: input.actor, createdAt: Date.now() };
  await appendAuditWith(d1, { actor: input.actor, action: "slack.user.map", target: `slack:${input.team}/${input.user}`, outcome: "ok", details: { role: input.role } }, (db) => [
    db.insert(slackUsers).values(row).onConflictDoUpdate({ target: [slackUsers.team, slackUsers.user], set: { role: row.role, createdBy: row.createdBy, createdAt: row.createdAt } }),
  ]);
  return row;
}
