import { HostTarget } from "../../schema/steps";
import type { ClusterSpec } from "../../schema/cluster";
import type { PlanIssue } from "./plan";

type SpecHost = ClusterSpec["spec"]["hosts"][number];

export type TargetResult = { ok: true; target: HostTarget } | { ok: false; issues: PlanIssue[] };

/**
 * How the relay reaches a host, from the host's connection block. The relay
 * only speaks SSH (ssh2), so `localhost` hosts and OpenSSH features it cannot
 * honour are refused here, naming the field, rather than failing on the relay.
 */
export function resolveHostTarget(host: SpecHost, index: number): TargetResult {
  const at = `spec.hosts[${index}]`;
  if (host.localhost !== undefined && host.localhost !== false) {
    return fail(`${at}.localhost`, `host ${index + 1} is a localhost host: the relay reaches hosts only over SSH, give it an ssh block instead`);
  }
  if (host.openSSH) {
    if (host.openSSH.configPath !== undefined) {
      return fail(`${at}.openSSH.configPath`, "is not supported: the relay connects with its own SSH client and does not read OpenSSH config files; put address, user, port and keyPath in the host's block");
    }
    if (hasOptions(host.openSSH.options)) return fail(`${at}.openSSH.options`, OPTIONS_REFUSED);
    return check(`${at}.openSSH`, {
      address: host.openSSH.address,
      user: host.openSSH.user ?? "root",
      port: host.openSSH.port ?? 22,
      ...(host.openSSH.keyPath !== undefined ? { keyPath: host.openSSH.keyPath } : {}),
    });
  }
  if (host.ssh) {
    const { address, user, port, keyPath, hostKey, bastion } = host.ssh;
    if (hasOptions(host.ssh.options)) return fail(`${at}.ssh.options`, OPTIONS_REFUSED);
    if (hasOptions(bastion?.options)) return fail(`${at}.ssh.bastion.options`, OPTIONS_REFUSED);
    return check(`${at}.ssh`, {
      address,
      user,
      port,
      ...(keyPath !== undefined ? { keyPath } : {}),
      ...(hostKey !== undefined ? { hostKey } : {}),
      ...(bastion !== undefined
        ? {
            bastion: {
              address: bastion.address,
              user: bastion.user,
              port: bastion.port,
              ...(bastion.keyPath !== undefined ? { keyPath: bastion.keyPath } : {}),
              ...(bastion.hostKey !== undefined ? { hostKey: bastion.hostKey } : {}),
            },
          }
        : {}),
    });
  }
  return fail(at, "has no ssh or openSSH block: the relay can only reach hosts over SSH");
}

// Silently dropping an option (StrictHostKeyChecking, ProxyCommand, …) would
// let a spec believe it got a behaviour it did not.
const OPTIONS_REFUSED =
  "SSH options are not supported: the relay connects with its own SSH client and applies none of them; remove them (timeouts and keepalives are the relay's, in relay.yaml ssh:)";

function hasOptions(options: Record<string, unknown> | undefined): boolean {
  return options !== undefined && Object.keys(options).length > 0;
}

// The spec schema already checks these fields, but the step schema is what the
// relay enforces: re-checking here turns a mismatch into a planning error that
// names the spec field instead of a frame the relay rejects.
function check(at: string, candidate: unknown): TargetResult {
  const parsed = HostTarget.safeParse(candidate);
  if (parsed.success) return { ok: true, target: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((issue) => ({
      path: [at, ...issue.path.map(String)].join("."),
      message: issue.message,
    })),
  };
}

function fail(path: string, message: string): TargetResult {
  return { ok: false, issues: [{ path, message }] };
}
