import { and, desc, eq, lt, or } from "drizzle-orm";
import { apiTokens } from "../../../schema/tables";
import { encodeCursor, type TokenListQuery, type TokenListResponse } from "../../../schema/api";
import { openDb } from "../../core/db";
import { tokenView } from "./view";

/** Tokens, revoked and expired ones included (their history matters), newest first, a page at a time. */
export async function listTokens(d1: D1Database, query: TokenListQuery): Promise<TokenListResponse> {
  const at = query.cursor;
  const after = at ? or(lt(apiTokens.createdAt, at.createdAt), and(eq(apiTokens.createdAt, at.createdAt), lt(apiTokens.id, at.id))) : undefined;
  const rows = await openDb(d1).select().from(apiTokens).where(after).orderBy(desc(apiTokens.createdAt), desc(apiTokens.id)).limit(query.limit + 1).all();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return { tokens: page.map(tokenView), nextCursor: rows.length > query.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null };
}
