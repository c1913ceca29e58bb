import { Hono } from "hono";
import { KeelError } from "../../schema/errors";
import { countUnauthenticated } from "../auth/require-role";
import type { AppEnv } from "../http/app-env";
import { readBodyText } from "../http/read-body";
import { receiveDelivery } from "../services/webhooks/receive-delivery";

/** GitHub caps payloads at 25 MB; keel reads none of it but the signature, so it takes far less. */
const MAX_DELIVERY_BYTES = 1024 * 1024;

/**
 * Signed deliveries to a webhook endpoint. No bearer token: the signature is
 * the credential, so a bad one is counted like a bad token (denied_requests,
 * and the client's failed-authentication allowance), never audited one by one.
 */
export const hookRoutes = new Hono<AppEnv>().post("/hooks/:id", async (c) => {
  const body = await readBodyText(c.req.raw, MAX_DELIVERY_BYTES);
  const outcome = await receiveDelivery(c.env, { endpointId: c.req.param("id"), header: (name) => c.req.header(name) ?? null, body, now: Date.now() });
  if (outcome.status === "rejected") {
    await countUnauthenticated(c, outcome.code === "not_found" ? "unknown webhook" : "bad webhook signature");
    throw new KeelError(outcome.code, outcome.reason);
  }
  return c.json({ runId: outcome.runId, duplicate: outcome.status === "duplicate" }, outcome.status === "duplicate" ? 200 : 202);
});
