import { desc } from "drizzle-orm";
import { apiTokens } from "../../../schema/tables";
import type { TokenView } from "../../../schema/api";
import { openDb } from "../../core/db";
import { tokenView } from "./view";

/** Every token, revoked ones included (their history matters), newest first. */
export async function listTokens(d1: D1Database): Promise<TokenView[]> {
  const rows = await openDb(d1).select().from(apiTokens).orderBy(desc(apiTokens.createdAt)).all();
  return rows.map(tokenView);
}
