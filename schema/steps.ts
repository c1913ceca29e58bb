import { z } from "zod";
import { StepBase } from "./step-base";
import { StepErrorCode } from "./errors";
import { StepReport } from "./step-reports";
import { BackupStep } from "./steps-backup";
import { K0sFactsReport, K0sStep } from "./steps-k0s";
import { CertStep } from "./steps-certs";

export { SafeAddress, SafeUser, SafePath, SshEndpoint, HostTarget, StepBase, hostKey } from "./step-base";

/**
 * The relay's closed vocabulary. The API never sends shell text: it sends one
 * of these typed steps, and the relay alone renders it to commands through its
 * quoting helper. Adding a capability means adding a kind here, a renderer in
 * relay/executor, and a planner that emits it.
 */

/** Open (or reuse) the SSH connection and verify the host key. */
export const HostConnectStep = StepBase.extend({ kind: z.literal("host.connect") });
/** Read /etc/os-release and uname -m. */
export const HostOsStep = StepBase.extend({ kind: z.literal("host.os") });
/** Hostname, private interface and address (privateInterface may be pinned by the spec). */
export const HostFactsStep = StepBase.extend({
  kind: z.literal("host.facts"),
  privateInterface: z
    .string()
    .regex(/^[A-Za-z0-9._@-]{1,15}$/, "must be a network interface name")
    .optional(),
});
/** Close the SSH connection. */
export const HostDisconnectStep = StepBase.extend({ kind: z.literal("host.disconnect") });

/** The facts vocabulary alone: what the facts planner emits. */
export const FactsStep = z.discriminatedUnion("kind", [HostConnectStep, HostOsStep, HostFactsStep, HostDisconnectStep]);
export type FactsStep = z.infer<typeof FactsStep>;

/** Every step the relay accepts. */
export const Step = z.discriminatedUnion("kind", [...FactsStep.options, ...K0sStep.options, ...BackupStep.options, ...CertStep.options]);
export type Step = z.infer<typeof Step>;
export type StepInput = z.input<typeof Step>;
export type StepKind = Step["kind"];

/** Facts that steps report back; every field optional, each step fills its own. */
export const HostFacts = z.object({
  os: z
    .object({ id: z.string().max(100), version: z.string().max(100), name: z.string().max(200) })
    .optional(),
  arch: z.string().max(50).optional(),
  hostname: z.string().max(253).optional(),
  privateInterface: z.string().max(50).optional(),
  privateAddress: z.string().max(100).optional(),
  hostKeyFingerprint: z.string().max(200).optional(),
});
export type HostFacts = z.infer<typeof HostFacts>;

/** Bounded stream excerpt: the relay keeps the tail when output is larger. */
export const MAX_OUTPUT_BYTES = 16 * 1024;

export const StepResult = z.object({
  ok: z.boolean(),
  /** Exit code of the last command the step ran; null when none ran (connect failure). */
  exitCode: z.number().int().nullable(),
  stdout: z.string().max(MAX_OUTPUT_BYTES * 2),
  stderr: z.string().max(MAX_OUTPUT_BYTES * 2),
  /** The command that failed, as run on the host (no secrets). */
  command: z.string().max(4096).optional(),
  error: z
    .object({
      code: StepErrorCode,
      message: z.string().max(4096),
    })
    .optional(),
  facts: HostFacts.optional(),
  /** k0s.facts: what k0s on the host says about itself. */
  k0s: K0sFactsReport.optional(),
  /** file.upload / k0s.binary.stage: what crossed the wire (0 bytes on a no-op re-apply). */
  transfer: z
    .object({ files: z.number().int().min(0), skipped: z.number().int().min(0), bytes: z.number().int().min(0) })
    .optional(),
  /** Steps that converge state (config write, install): false when the host already matched. */
  changed: z.boolean().optional(),
  /** What the step found that outlives the run (certificates, …): see step-reports.ts. */
  report: StepReport.optional(),
  durationMs: z.number().int().min(0),
});
export type StepResult = z.infer<typeof StepResult>;
