import { KeelError } from "../../../schema/errors";
import type { Env } from "../../core/env";
import { runRefusedMessage, runStartedMessage } from "../../notify/run-message";
import { startRun } from "../runs/start-run";
import type { SlackActor } from "./slack-actor";

export interface SlackRunInput {
  cluster: string;
  operation: "certs.renew" | "backup";
  actor: SlackActor;
  responseUrl: string;
  channel: string | null;
  publicUrl: string | undefined;
}

/**
 * Starts a run confirmed in Slack, after Slack had its ack. The run id is
 * chosen here and the cluster's NotifyObject watches it before the run
 * starts, so no phase can end unreported; the started message replaces the
 * confirm prompt. A refusal (another run active, no relay…) is posted instead.
 */
export async function startSlackRun(env: Env, input: SlackRunInput): Promise<void> {
  const runId = `run_${crypto.randomUUID()}`;
  const ref = { runId, cluster: input.cluster, operation: input.operation, requestedBy: input.actor.id, publicUrl: input.publicUrl };
  const notify = env.NOTIFY.get(env.NOTIFY.idFromName(input.cluster));
  await notify.watchRun({ ...ref, responseUrl: input.responseUrl, channel: input.channel, registeredAt: Date.now() });
  try {
    await startRun(env, { cluster: input.cluster, operation: input.operation, requestedBy: input.actor.id, runId });
  } catch (err) {
    const reason = err instanceof KeelError ? err.message : "keel could not start the run (internal error)";
    if (!(err instanceof KeelError)) console.error(`slack: starting ${input.operation} on ${input.cluster} failed:`, err);
    await notify.tellInvoker(runId, input.cluster, runRefusedMessage(ref, reason), true);
    return;
  }
  await notify.tellInvoker(runId, input.cluster, runStartedMessage(ref, { replace_original: true }), false);
}
