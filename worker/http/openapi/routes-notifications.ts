import { z } from "zod";
import { ClusterName } from "../../../schema/api";
import { CreateSubscriptionBody, CreatedSubscription, DeliveriesQuery, DeliveryList, SubscriptionId, SubscriptionList, SubscriptionView } from "../../../schema/notify-api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/notifications.ts. */
export const notificationRouteDocs: RouteGroup = {
  tag: "notifications",
  description: "Who hears about a cluster's events (Slack, or a Standard Webhooks-signed URL), and the delivery log.",
  routes: [
    {
      method: "POST",
      path: "/v1/clusters/:name/notifications",
      access: "admin",
      summary: "Subscribe a target to a cluster's events; a webhook's secret is shown once",
      params: { name: ClusterName },
      body: { json: CreateSubscriptionBody },
      responses: { 201: json(CreatedSubscription, "subscribed") },
      errors: ["not_found"],
    },
    { method: "GET", path: "/v1/clusters/:name/notifications", access: "admin", summary: "A cluster's subscriptions (no URLs or secrets)", params: { name: ClusterName }, responses: { 200: json(SubscriptionList, "every subscription") }, errors: ["not_found"] },
    {
      method: "DELETE",
      path: "/v1/clusters/:name/notifications/:id",
      access: "admin",
      summary: "Remove a subscription",
      params: { name: ClusterName, id: SubscriptionId },
      responses: { 200: json(z.object({ subscription: SubscriptionView }), "removed") },
      errors: ["not_found"],
    },
    { method: "GET", path: "/v1/notifications/deliveries", access: "admin", summary: "The delivery log, newest first", query: DeliveriesQuery, responses: { 200: json(DeliveryList, "one page") } },
  ],
};
