import { and, eq } from "drizzle-orm";
import type { Role } from "../../../schema/api";
import { slackUsers } from "../../../schema/tables";
import { openDb } from "../../core/db";

export interface SlackActor {
  /** The audit actor: slack:TEAM/USER. */
  id: string;
  team: string;
  user: string;
  /** null: not mapped, refused. */
  role: Role | null;
}

export async function slackActor(d1: D1Database, team: string, user: string): Promise<SlackActor> {
  const row = await openDb(d1).select({ role: slackUsers.role }).from(slackUsers).where(and(eq(slackUsers.team, team), eq(slackUsers.user, user))).get();
  return { id: `slack:${team}/${user}`, team, user, role: row?.role ?? null };
}
