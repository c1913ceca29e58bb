import { z } from "zod";

/**
 * The relay's closed vocabulary. The API never sends shell text: it sends one
 * of these typed steps, and the relay alone renders it to commands through its
 * quoting helper. Adding a capability means adding a kind here, a renderer in
 * relay/executor, and a planner that emits it.
 */

// Addresses and users end up on a command line and in ssh2 options: keep them
// to characters a hostname, IP or login can hold.
export const SafeAddress = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9._:-]+$/, "must be an IP address or hostname (letters, digits, '.', '-', ':')");
export const SafeUser = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9._-]*$/, "must be a login name (letters, digits, '.', '_', '-')");
// Relay-side or host-side absolute path; no NUL, no newline.
export const SafePath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[^\0\n\r]+$/, "must not contain NUL or newlines");

export const SshEndpoint = z.object({
  address: SafeAddress,
  port: z.number().int().min(1).max(65535),
  user: SafeUser,
  keyPath: SafePath.optional(),
});
export type SshEndpoint = z.infer<typeof SshEndpoint>;

/** How the relay reaches one host: the spec's ssh block, as resolved by the API. */
export const HostTarget = SshEndpoint.extend({
  bastion: SshEndpoint.optional(),
});
export type HostTarget = z.infer<typeof HostTarget>;

const StepBase = z.object({
  /** Unique within the run; the relay's journal dedupes on (runId, id). */
  id: z.string().min(1).max(200),
  host: HostTarget,
  /** Upper bound for the whole step on the relay, in milliseconds. */
  timeoutMs: z.number().int().min(100).max(6 * 3600_000).default(120_000),
});

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

export const Step = z.discriminatedUnion("kind", [HostConnectStep, HostOsStep, HostFactsStep, HostDisconnectStep]);
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
      code: z.enum(["connect_failed", "host_key_mismatch", "policy_denied", "command_failed", "timeout", "cancelled", "invalid_step", "internal"]),
      message: z.string().max(4096),
    })
    .optional(),
  facts: HostFacts.optional(),
  durationMs: z.number().int().min(0),
});
export type StepResult = z.infer<typeof StepResult>;
