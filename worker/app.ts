import { Hono } from "hono";
import type { AppEnv } from "./http/app-env";
import { limitClient } from "./auth/rate-limit";
import { checkEnv } from "./http/check-env";
import { handleError, handleNotFound } from "./http/handle-error";
import { applyRoutes } from "./routes/apply";
import { backupRoutes } from "./routes/backups";
import { auditRoutes } from "./routes/audit";
import { certRoutes } from "./routes/certs";
import { clusterRoutes } from "./routes/clusters";
import { lbConfigRoutes } from "./routes/lb-config";
import { openApiRoutes } from "./routes/openapi";
import { relayConnectRoutes } from "./routes/relay-connect";
import { relayRoutes } from "./routes/relays";
import { runRoutes } from "./routes/runs";
import { tokenRoutes } from "./routes/tokens";
import { hookRoutes } from "./routes/hooks";
import { scheduleRoutes } from "./routes/schedules";
import { webhookRoutes } from "./routes/webhooks";
import { slackRoutes } from "./routes/slack";
import { slackUserRoutes } from "./routes/slack-users";
import { notificationRoutes } from "./routes/notifications";

/** keel's HTTP API: wiring only; each route file validates, calls one service, returns. */
export const app: Hono<AppEnv> = new Hono<AppEnv>();

app.onError(handleError);
app.notFound(handleNotFound);
app.use("*", checkEnv);
app.use("/v1/*", limitClient);
app.use("/slack/*", limitClient);

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/", openApiRoutes);

// relayConnectRoutes first, so GET /v1/relays/connect is never taken for a relay route.
app.route("/v1", relayConnectRoutes);
app.route("/v1", clusterRoutes);
app.route("/v1", lbConfigRoutes);
app.route("/v1", runRoutes);
app.route("/v1", applyRoutes);
app.route("/v1", backupRoutes);
app.route("/v1", certRoutes);
app.route("/v1", tokenRoutes);
app.route("/v1", relayRoutes);
app.route("/v1", auditRoutes);
app.route("/v1", scheduleRoutes);
app.route("/v1", webhookRoutes);
app.route("/v1", hookRoutes);
app.route("/v1", slackUserRoutes);
app.route("/v1", notificationRoutes);
// Signed by Slack, not by a keel token: outside /v1 (README: Slack).
app.route("/", slackRoutes);
