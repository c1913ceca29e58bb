import type { CertificateInfo } from "../../schema/step-reports";
import type { CertBefore, CertCheckStep } from "../../schema/steps-certs";
import { describeInventory, readCertificates } from "./cert-read";
import { failed, type StepContext, type StepOutcome } from "./step-context";

/**
 * What a renewal must have changed: every leaf re-issued with a later
 * notAfter, every CA kept as it was (k0s never renews a CA; a changed CA
 * would mean a new trust root the rest of the cluster does not know).
 */
export function renewalProblems(before: readonly CertBefore[], after: readonly CertificateInfo[]): string[] {
  const now = new Map(after.map((c) => [c.path, c]));
  const problems: string[] = [];
  for (const b of before) {
    const a = now.get(b.path);
    if (!a) problems.push(`${b.path} is gone`);
    else if (b.isCA && a.fingerprint !== b.fingerprint) problems.push(`CA ${b.path} changed (fingerprint ${b.fingerprint} → ${a.fingerprint})`);
    else if (!b.isCA && a.notAfter <= b.notAfter) problems.push(`${b.path} was not renewed (still expires ${new Date(a.notAfter).toISOString()})`);
  }
  return problems;
}

/** Reads the host's certificates again and compares them with `before`; reports what it read either way. */
export async function certCheck(step: CertCheckStep, ctx: StepContext): Promise<StepOutcome> {
  const { certificates, problems: unreadable } = await readCertificates(ctx, step);
  const problems = renewalProblems(step.before, certificates);
  const report = { kind: "certificates" as const, certificates };
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join("; ") + (problems.length > 10 ? `; … (${problems.length} in all)` : "");
    return { ...failed("command_failed", `certificates not renewed as expected: ${shown}`), report };
  }
  const leaves = step.before.filter((b) => !b.isCA).length;
  const cas = step.before.length - leaves;
  return {
    ok: true,
    exitCode: 0,
    stdout: `${leaves} leaf ${leaves === 1 ? "certificate" : "certificates"} renewed, ${cas} ${cas === 1 ? "CA" : "CAs"} unchanged; ${describeInventory(certificates, step)}`,
    stderr: unreadable.map((p) => `skipped ${p}`).join("\n"),
    report,
  };
}
