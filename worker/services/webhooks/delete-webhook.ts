import { eq } from "drizzle-orm";
import { KeelError } from "../../../schema/errors";
import { webhookDeliveries, webhooks } from "../../../schema/tables";
import type { WebhookView } from "../../../schema/webhook-api";
import { appendAuditWith } from "../../core/audit-append";
import { openDb } from "../../core/db";
import { webhookView } from "./webhook-view";

/** Deletes an endpoint with its sealed secret and its delivery ids: later deliveries get 404. Audit entries keep its id. */
export async function deleteWebhook(d1: D1Database, input: { id: string; actor: string }): Promise<WebhookView> {
  const row = await openDb(d1).select().from(webhooks).where(eq(webhooks.id, input.id)).get();
  if (!row) throw new KeelError("not_found", `webhook ${input.id} not found`);
  await appendAuditWith(d1, { actor: input.actor, action: "webhook.delete", cluster: row.cluster, target: row.id, outcome: "ok", details: { action: row.action, scheme: row.scheme } }, (tx) => [
    tx.delete(webhooks).where(eq(webhooks.id, row.id)),
    tx.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, row.id)),
  ]);
  return webhookView(row);
}
