import type { RouteGroup } from "./route-doc";
import { applyRouteDocs } from "./routes-apply";
import { auditRouteDocs } from "./routes-audit";
import { backupRouteDocs } from "./routes-backups";
import { certRouteDocs } from "./routes-certs";
import { clusterRouteDocs } from "./routes-clusters";
import { metaRouteDocs } from "./routes-meta";
import { notificationRouteDocs } from "./routes-notifications";
import { relayRouteDocs } from "./routes-relays";
import { runRouteDocs } from "./routes-runs";
import { scheduleRouteDocs } from "./routes-schedules";
import { slackRouteDocs } from "./routes-slack";
import { tokenRouteDocs } from "./routes-tokens";
import { webhookRouteDocs } from "./routes-webhooks";

/**
 * Every route of the app, one group per routes-*.ts file, in the order the
 * docs page shows them. test/worker/openapi.test.ts fails when the app has a
 * route that no group lists, or a group lists a route the app lacks.
 *
 * A new route is one RouteDoc entry in the routes-*.ts of its route file
 * (path exactly as app.routes shows it, the access its middleware demands,
 * the schemas its handler validates with, its answers, its services' error
 * codes); a new route file gets a new routes-*.ts group added here.
 */
export const ROUTE_GROUPS: readonly RouteGroup[] = [
  clusterRouteDocs,
  applyRouteDocs,
  runRouteDocs,
  backupRouteDocs,
  certRouteDocs,
  tokenRouteDocs,
  relayRouteDocs,
  scheduleRouteDocs,
  webhookRouteDocs,
  notificationRouteDocs,
  slackRouteDocs,
  auditRouteDocs,
  metaRouteDocs,
];
