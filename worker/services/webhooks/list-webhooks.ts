import { asc } from "drizzle-orm";
import { webhooks } from "../../../schema/tables";
import type { WebhookView } from "../../../schema/webhook-api";
import { openDb } from "../../core/db";
import { webhookView } from "./webhook-view";

/** Every endpoint, oldest first; secrets are never shown again. A team has a handful, so there is no paging. */
export async function listWebhooks(d1: D1Database): Promise<WebhookView[]> {
  const rows = await openDb(d1).select().from(webhooks).orderBy(asc(webhooks.createdAt), asc(webhooks.id)).limit(1000).all();
  return rows.map(webhookView);
}
