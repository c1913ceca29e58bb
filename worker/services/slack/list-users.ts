import { asc } from "drizzle-orm";
import type { SlackUserList } from "../../../schema/slack-api";
import { slackUsers } from "../../../schema/tables";
import { openDb } from "../../core/db";

export async function listSlackUsers(d1: D1Database): Promise<SlackUserList> {
  const users = await openDb(d1).select().from(slackUsers).orderBy(asc(slackUsers.team), asc(slackUsers.user)).all();
  return { users };
}
