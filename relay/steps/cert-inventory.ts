import type { CertInventoryStep } from "../../schema/steps-certs";
import { describeInventory, readCertificates } from "./cert-read";
import type { StepContext, StepOutcome } from "./step-context";

/** Reads the host's certificates (never a key) and reports them; files that do not parse are named in stderr. */
export async function certInventory(step: CertInventoryStep, ctx: StepContext): Promise<StepOutcome> {
  const { certificates, problems } = await readCertificates(ctx, step);
  return {
    ok: true,
    exitCode: 0,
    stdout: describeInventory(certificates, step),
    stderr: problems.map((p) => `skipped ${p}`).join("\n"),
    report: { kind: "certificates", certificates },
  };
}
