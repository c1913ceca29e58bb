import type { WebhookAction, WebhookScheme, WebhookView } from "../../../schema/webhook-api";
import type { webhooks } from "../../../schema/tables";

/** Where deliveries for an endpoint go, relative to the API's base URL. */
export const hookPath = (id: string) => `/v1/hooks/${id}`;

/** A stored endpoint as the API shows it: never its sealed secret. */
export function webhookView(row: typeof webhooks.$inferSelect): WebhookView {
  return {
    id: row.id,
    cluster: row.cluster,
    action: row.action as WebhookAction,
    revision: row.revision,
    scheme: row.scheme as WebhookScheme,
    url: hookPath(row.id),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
  };
}
