import { z } from "zod";
import { BackupReport } from "./steps-backup";

/**
 * What a step found that outlives its run, beyond host facts: the relay puts
 * it in StepResult.report, the run keeps it (operations plan with it, see
 * OperationPlanner.next), and when the run ends the worker stores each kind
 * in its own D1 table (worker/runs/report-writers.ts). Never a secret: a
 * certificate is public, a private key is never read.
 */

export const CertificateInfo = z.object({
  /** Where on the host, e.g. /var/lib/k0s/pki/server.crt. */
  path: z.string().min(1).max(1024),
  subject: z.string().max(2048),
  issuer: z.string().max(2048),
  sans: z.array(z.string().max(512)).max(500),
  /** Unix milliseconds. */
  notBefore: z.number().int(),
  notAfter: z.number().int(),
  isCA: z.boolean(),
  /** SHA-256 of the DER, lowercase hex with colons (as openssl prints it). */
  fingerprint: z.string().max(200),
});
export type CertificateInfo = z.infer<typeof CertificateInfo>;

export const StepReport = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("certificates"), certificates: z.array(CertificateInfo).max(1000) }),
  BackupReport,
]);
export type StepReport = z.infer<typeof StepReport>;
export type StepReportKind = StepReport["kind"];

/** A report as a run keeps it: which step and host it came from. */
export interface RunReport {
  stepId: string;
  host: string;
  report: StepReport;
}
