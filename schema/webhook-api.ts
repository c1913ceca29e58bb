import { z } from "zod";
import { ClusterName } from "./api";

/** What a webhook endpoint does when a delivery verifies: one run on its cluster. */
export const WebhookAction = z.enum(["certs.renew", "backup", "apply"]);
export type WebhookAction = z.infer<typeof WebhookAction>;

/** standard: Standard Webhooks (webhook-id/-timestamp/-signature); github: X-Hub-Signature-256. */
export const WebhookScheme = z.enum(["standard", "github"]);
export type WebhookScheme = z.infer<typeof WebhookScheme>;

export const WebhookId = z.string().regex(/^wh_[0-9a-f]{32}$/, "must be a webhook id (wh_ and 32 hex digits)");

export const CreateWebhookBody = z
  .object({
    cluster: ClusterName,
    action: WebhookAction,
    /** apply only: the delivery applies only while the cluster's current revision is this one. */
    revision: z.number().int().min(1).optional(),
    scheme: WebhookScheme,
  })
  .strict()
  .refine((b) => b.revision === undefined || b.action === "apply", { path: ["revision"], message: "only an apply webhook takes a revision" });
export type CreateWebhookBody = z.infer<typeof CreateWebhookBody>;

export const WebhookParams = z.object({ id: WebhookId });

export const WebhookView = z.object({
  id: WebhookId,
  cluster: z.string(),
  action: WebhookAction,
  revision: z.number().int().nullable(),
  scheme: WebhookScheme,
  /** The path to POST deliveries to (relative to the API's base URL). */
  url: z.string(),
  createdBy: z.string(),
  createdAt: z.number().int(),
});
export type WebhookView = z.infer<typeof WebhookView>;

/** The answer to a create: the view plus the signing secret, shown this once. */
export const CreatedWebhook = WebhookView.extend({ secret: z.string() });
export type CreatedWebhook = z.infer<typeof CreatedWebhook>;

export const WebhookList = z.object({ webhooks: z.array(WebhookView) });

/** The answer to a verified delivery: the run it started (202), or the one an earlier delivery of the same id started (200, duplicate). */
export const HookDeliveryResponse = z.object({ runId: z.string(), duplicate: z.boolean() });
export type HookDeliveryResponse = z.infer<typeof HookDeliveryResponse>;
