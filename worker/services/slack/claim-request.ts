import { lt } from "drizzle-orm";
import { slackSeenRequests } from "../../../schema/tables";
import { openDb } from "../../core/db";
import { SLACK_SIGNATURE_WINDOW_S } from "../../core/slack-signature";

// Kept past the window either way: a request is refused on its timestamp after that.
const KEEP_MS = 2 * SLACK_SIGNATURE_WINDOW_S * 1000;

/**
 * Claims a verified Slack request by its signature: true the first time,
 * false for a replay within the window (the same body and timestamp sign to
 * the same value). One insert-or-nothing, so two copies racing cannot both win.
 */
export async function claimSlackRequest(d1: D1Database, signature: string, now: number): Promise<boolean> {
  const db = openDb(d1);
  const [, inserted] = await db.batch([
    db.delete(slackSeenRequests).where(lt(slackSeenRequests.expiresAt, now)),
    db.insert(slackSeenRequests).values({ signature, expiresAt: now + KEEP_MS }).onConflictDoNothing({ target: slackSeenRequests.signature }).returning({ signature: slackSeenRequests.signature }),
  ]);
  return inserted.length === 1;
}
