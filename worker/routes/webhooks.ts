import { Hono } from "hono";
import { CreateWebhookBody, WebhookParams } from "../../schema/webhook-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { readJsonBody } from "../http/read-body";
import { validate } from "../http/validate";
import { createWebhook } from "../services/webhooks/create-webhook";
import { deleteWebhook } from "../services/webhooks/delete-webhook";
import { listWebhooks } from "../services/webhooks/list-webhooks";

/** Inbound webhook endpoints (admin): create (the secret is shown once), list, delete. Deliveries: routes/hooks.ts. */
export const webhookRoutes = new Hono<AppEnv>()
  .post("/webhooks", requireRole("admin", "webhook.create"), auditFailures("webhook.create"), async (c) => {
    const body = await readJsonBody(c.req.raw, CreateWebhookBody);
    const created = await createWebhook(c.env, { ...body, actor: c.get("actor").id });
    return c.json({ ...created, url: new URL(created.url, c.req.url).toString() }, 201, { "Cache-Control": "no-store" });
  })
  .get("/webhooks", requireRole("admin"), async (c) => c.json({ webhooks: await listWebhooks(c.env.DB) }))
  .delete("/webhooks/:id", requireRole("admin", "webhook.delete"), auditFailures("webhook.delete"), async (c) => {
    const { id } = validate(WebhookParams, c.req.param(), "path");
    return c.json({ webhook: await deleteWebhook(c.env.DB, { id, actor: c.get("actor").id }) });
  });
