/** Failures the executor maps to StepResult error codes. */

/** Could not reach or log in to a host (or its bastion). */
export class SshConnectError extends Error {
  override name = "SshConnectError";
}

/** The host presented a key other than the pinned one. */
export class HostKeyMismatchError extends Error {
  override name = "HostKeyMismatchError";
  constructor(
    readonly host: string,
    readonly expected: string,
    readonly actual: string,
    /** null when the expected key came from the spec's ssh.hostKey, not from a pin. */
    knownHostsPath: string | null,
  ) {
    super(
      knownHostsPath === null
        ? `host key mismatch for ${host}: the spec's ssh.hostKey is ${expected}, host presented ${actual}; nothing was pinned`
        : `host key mismatch for ${host}: pinned ${expected}, host presented ${actual}; ` +
            `if the host was legitimately re-keyed, remove its entry from ${knownHostsPath}`,
    );
  }
}

/** The SSH connection is gone, so the command never started (safe to retry once). */
export class ChannelOpenError extends Error {
  override name = "ChannelOpenError";
}

/** A command was stopped because its step was cancelled or timed out. */
export class AbortedError extends Error {
  override name = "AbortedError";
}
