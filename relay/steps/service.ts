import type { ServiceRestartStep, ServiceStartStep, ServiceStopStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
import { commandFailed, isFailure, type StepContext, type StepOutcome } from "./step-context";

type ServiceStep = ServiceStartStep | ServiceStopStep | ServiceRestartStep;

const VERBS = { "service.start": "start", "service.stop": "stop", "service.restart": "restart" } as const;

/** `systemctl start|stop|restart k0scontroller|k0sworker`. */
export async function service(step: ServiceStep, ctx: StepContext): Promise<StepOutcome> {
  const command = sh`systemctl ${VERBS[step.kind]} ${step.service}`;
  const res = await ctx.run(command, { asRoot: true });
  if (isFailure(res)) return commandFailed(command, res);
  return { ok: true, exitCode: 0, stdout: res.stdout, stderr: res.stderr, changed: true };
}
