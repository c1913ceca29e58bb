import type { HostConnectStep } from "../../schema/steps";
import type { z } from "zod";
import type { StepContext, StepOutcome } from "./step-context";

/** Opens (or reuses) the connection; the host key is verified or pinned on the way. */
export async function hostConnect(step: z.infer<typeof HostConnectStep>, ctx: StepContext): Promise<StepOutcome> {
  const conn = await ctx.pool.connect(step.host);
  return { ok: true, exitCode: null, stdout: "", stderr: "", facts: { hostKeyFingerprint: conn.hostKeyFingerprint } };
}
