import { z } from "zod";
import { CreateWebhookBody, CreatedWebhook, HookDeliveryResponse, WebhookList, WebhookParams, WebhookView } from "../../../schema/webhook-api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/webhooks.ts and hooks.ts. */
export const webhookRouteDocs: RouteGroup = {
  tag: "webhooks",
  description: "Inbound webhook endpoints, each bound to one action on one cluster, and their signed deliveries (Standard Webhooks or GitHub).",
  routes: [
    {
      method: "POST",
      path: "/v1/webhooks",
      access: "admin",
      summary: "Create a webhook endpoint; its secret is shown once",
      body: { json: CreateWebhookBody },
      responses: { 201: json(CreatedWebhook, "created, with the URL to deliver to and the secret") },
      errors: ["not_found"],
    },
    { method: "GET", path: "/v1/webhooks", access: "admin", summary: "List webhook endpoints (no secrets)", responses: { 200: json(WebhookList, "every endpoint") } },
    {
      method: "DELETE",
      path: "/v1/webhooks/:id",
      access: "admin",
      summary: "Delete a webhook endpoint",
      params: { id: WebhookParams.shape.id },
      responses: { 200: json(z.object({ webhook: WebhookView }), "deleted") },
      errors: ["not_found"],
    },
    {
      method: "POST",
      path: "/v1/hooks/:id",
      access: "webhook",
      summary: "Deliver a signed webhook: starts the endpoint's action once per delivery id",
      description: "Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) or, for GitHub endpoints, X-Hub-Signature-256 and X-GitHub-Delivery. 202 starts a run; the same delivery id again answers 200 with the first run's id; a busy cluster answers 409 and records nothing, so the sender's retry starts the run.",
      params: { id: z.string() },
      body: { text: ["application/json"], description: "Any payload up to 1 MiB; only its signature is read." },
      responses: { 200: json(HookDeliveryResponse, "a delivery already seen: the run it started"), 202: json(HookDeliveryResponse, "a run started") },
      errors: ["not_found", "conflict"],
    },
  ],
};
