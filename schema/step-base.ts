import { z } from "zod";

/** What every typed step shares: its id, the host it targets and a time bound. */

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

/**
 * The host key a host must present: a SHA256 fingerprint as `ssh-keygen -lf`
 * prints it, or the public key as in known_hosts / `*.pub` ("type base64",
 * an optional comment after it).
 */
export const SshHostKey = z
  .string()
  .max(4096)
  .regex(
    /^(SHA256:[A-Za-z0-9+/]{43}=?|(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]+={0,3}( [^\0\r\n]*)?)$/,
    "must be a host key fingerprint (SHA256:…) or a public key (ssh-ed25519 AAAA…)",
  );

export const SshEndpoint = z.object({
  address: SafeAddress,
  port: z.number().int().min(1).max(65535),
  user: SafeUser,
  keyPath: SafePath.optional(),
  /** When given, the only key the relay accepts from this host (besides its own pin agreeing). */
  hostKey: SshHostKey.optional(),
});
export type SshEndpoint = z.infer<typeof SshEndpoint>;

/** How the relay reaches one host: the spec's ssh block, as resolved by the API. */
export const HostTarget = SshEndpoint.extend({
  bastion: SshEndpoint.optional(),
});
export type HostTarget = z.infer<typeof HostTarget>;

/**
 * "address:port": how a host is named in step ids, events, facts and errors,
 * as k0sctl prints it (and as schema/cluster.ts names a spec host, so the two
 * compare equal). Two targets with the same key are the same host, whichever
 * login or bastion reaches it.
 */
export function hostKey(target: Pick<HostTarget, "address" | "port">): string {
  return `${target.address}:${target.port}`;
}

export const StepBase = z.object({
  /** Unique within the run; the relay's journal dedupes on (runId, id). */
  id: z.string().min(1).max(200),
  host: HostTarget,
  /** Upper bound for the whole step on the relay, in milliseconds. */
  timeoutMs: z.number().int().min(100).max(6 * 3600_000).default(120_000),
});

