import type { Env } from "./core/env";
import { runDueSchedules } from "./services/schedules/run-due-schedules";
import { pruneDeliveries } from "./services/webhooks/prune-deliveries";

/**
 * The cron trigger (wrangler.toml [triggers], every 5 minutes). "Now" is the
 * controller's scheduledTime, not the clock, so a late tick acts for the time
 * it was due and tests can set it.
 */
export async function scheduled(controller: ScheduledController, env: Env, _ctx: ExecutionContext): Promise<void> {
  const now = controller.scheduledTime;
  const report = await runDueSchedules(env, now);
  if (report.failed > 0) console.error(`cron ${controller.cron}: ${report.failed} of ${report.ticked + report.failed} schedules failed their tick`);
  try {
    await pruneDeliveries(env.DB, now);
  } catch (err) {
    console.error("could not prune old webhook deliveries:", err);
  }
}
