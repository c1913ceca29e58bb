import { join } from "node:path";

/** The folders every simulated host has of its own (paths inside the host, without the leading slash). */
// /root too: a real host does not share root's home (nor its ~/.bashrc) with the machine running the tests.
export const HOST_LOCAL_DIRS = ["var/lib/k0s", "etc/k0s", "etc/systemd/system", "opt/cni/bin", "usr/local/bin", "run/k0s", "tmp", "root"] as const;

/** The only quoting helper of the harness: POSIX single quotes. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

export interface BootScriptInput {
  hostname: string;
  root: string;
  sshdConfig: string;
  sshdLog: string;
  /** The Node binary the stand-ins run on (their shebang is `#!/usr/bin/env node`). */
  nodeBinary: string;
  /** Real-filesystem folders (the harness folder) the host must still reach once its own /tmp or /root hides them. */
  keepVisible: string[];
  /** Environment of sessions and of services started at boot. */
  env: Record<string, string>;
}

/**
 * The script `unshare -m -u --propagation private sh <script>` runs. It ends
 * by exec-ing sshd, so sshd is the process that holds the namespace: when it
 * and its sessions are gone, the kernel frees every mount made here. With
 * private propagation none of these mounts is ever seen outside.
 */
export function bootScript(input: BootScriptInput): string {
  const lines = ["set -eu", `printf %s ${shQuote(input.hostname)} > /proc/sys/kernel/hostname`];
  // /usr/local/bin is replaced below; Node may live there (node Docker images),
  // so bind the binary into the host's own folder while it is still visible.
  lines.push(`mount --bind ${shQuote(input.nodeBinary)} ${shQuote(join(input.root, "usr/local/bin/node"))}`);
  for (const path of input.keepVisible) {
    lines.push(`mount --bind ${shQuote(path)} ${shQuote(join(input.root, path))}`);
  }
  for (const dir of HOST_LOCAL_DIRS) {
    lines.push(`mount --rbind ${shQuote(join(input.root, dir))} ${shQuote(`/${dir}`)}`);
  }
  for (const [k, v] of Object.entries(input.env)) lines.push(`export ${k}=${shQuote(v)}`);
  // What systemd does with enabled units at boot (a restarted host runs k0s again).
  lines.push("[ ! -x /usr/local/bin/systemctl ] || /usr/local/bin/systemctl keel-standin-boot >/dev/null 2>&1 || true");
  lines.push(`exec /usr/sbin/sshd -D -f ${shQuote(input.sshdConfig)} -E ${shQuote(input.sshdLog)}`);
  return `${lines.join("\n")}\n`;
}

export interface SshdConfigInput {
  address: string;
  port: number;
  hostKey: string;
  pidFile: string;
  authorizedKeys: string;
  env: Record<string, string>;
}

/** The environment of every session: /usr/local/bin first so the systemctl and k0s stand-ins win over the machine's. */
export function sessionEnv(standinConfig: string): Record<string, string> {
  return { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", KEEL_STANDIN_CONFIG: standinConfig };
}

/** Own config for an own sshd: the machine's sshd and ~/.ssh stay untouched. */
export function sshdConfig(input: SshdConfigInput): string {
  return `${[
    `ListenAddress ${input.address}:${input.port}`,
    `HostKey ${input.hostKey}`,
    `PidFile ${input.pidFile}`,
    `AuthorizedKeysFile ${input.authorizedKeys}`,
    "PermitRootLogin prohibit-password",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // The harness folder is usually a mkdtemp under /tmp, whose modes sshd would refuse.
    "StrictModes no",
    "UseDNS no",
    "PrintMotd no",
    "PrintLastLog no",
    // The relay opens many connections at once; the default 10:30:100 drops some.
    "MaxStartups 200",
    "MaxSessions 100",
    "Subsystem sftp internal-sftp",
    `SetEnv ${Object.entries(input.env).map(([k, v]) => `${k}="${v}"`).join(" ")}`,
  ].join("\n")}\n`;
}
