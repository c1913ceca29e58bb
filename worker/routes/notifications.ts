import { Hono } from "hono";
import { z } from "zod";
import { ClusterName } from "../../schema/api";
import { CreateSubscriptionBody, DeliveriesQuery, SubscriptionId } from "../../schema/notify-api";
import { requireRole } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { auditFailures } from "../http/audit-failures";
import { readJsonBody } from "../http/read-body";
import { validate } from "../http/validate";
import { createSubscription } from "../services/notify/create-subscription";
import { deleteSubscription } from "../services/notify/delete-subscription";
import { listDeliveries } from "../services/notify/list-deliveries";
import { listSubscriptions } from "../services/notify/list-subscriptions";

const SubscriptionParams = z.object({ name: ClusterName, id: SubscriptionId });

/** Who hears about a cluster's events (admin), and the delivery log. */
export const notificationRoutes = new Hono<AppEnv>()
  .post("/clusters/:name/notifications", requireRole("admin", "notification.subscribe"), auditFailures("notification.subscribe"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    const body = await readJsonBody(c.req.raw, CreateSubscriptionBody);
    const allowHttpLoopback = c.get("vars").KEEL_ALLOW_HTTP_TARGETS === "true";
    return c.json(await createSubscription(c.env, { ...body, cluster, actor: c.get("actor").id, allowHttpLoopback }), 201);
  })
  .get("/clusters/:name/notifications", requireRole("admin"), async (c) => {
    const cluster = validate(ClusterName, c.req.param("name"), "cluster name");
    return c.json(await listSubscriptions(c.env.DB, cluster));
  })
  .delete("/clusters/:name/notifications/:id", requireRole("admin", "notification.unsubscribe"), auditFailures("notification.unsubscribe"), async (c) => {
    const { name, id } = validate(SubscriptionParams, c.req.param(), "path");
    return c.json({ subscription: await deleteSubscription(c.env.DB, { cluster: name, id, actor: c.get("actor").id }) });
  })
  .get("/notifications/deliveries", requireRole("admin"), async (c) => c.json(await listDeliveries(c.env.DB, validate(DeliveriesQuery, c.req.query(), "query"))));
