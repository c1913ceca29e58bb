import type { HostDisconnectStep } from "../../schema/steps";
import type { z } from "zod";
import type { StepContext, StepOutcome } from "./step-context";

/** Closes the host's pooled connection; disconnecting an unconnected host is fine. */
export async function hostDisconnect(step: z.infer<typeof HostDisconnectStep>, ctx: StepContext): Promise<StepOutcome> {
  await ctx.pool.disconnect(step.host);
  return { ok: true, exitCode: null, stdout: "", stderr: "" };
}
