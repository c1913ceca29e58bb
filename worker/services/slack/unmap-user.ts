import { and, eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import type { SlackUserParams, SlackUserView } from "../../../schema/slack-api";
import { slackUsers } from "../../../schema/tables";
import { appendAuditWith } from "../../core/audit-append";
import { openDb } from "../../core/db";

/** Removes a Slack user's mapping: their next command is refused. */
export async function unmapSlackUser(d1: D1Database, input: SlackUserParams & { actor: string }): Promise<SlackUserView> {
  const where = and(eq(slackUsers.team, input.team), eq(slackUsers.user, input.user));
  const existing = await openDb(d1).select().from(slackUsers).where(where).get();
  if (!existing) throw new KeelError("not_found", `Slack user ${input.team}/${input.user} is not mapped`);
  await appendAuditWith(d1, { actor: input.actor, action: "slack.user.unmap", target: `slack:${input.team}/${input.user}`, outcome: "ok", details: { role: existing.role } }, (db) => [
    db.delete(slackUsers).where(where),
  ]);
  return existing;
}
