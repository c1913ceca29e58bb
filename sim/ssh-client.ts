import { execFile } from "node:child_process";
import type { SimCluster, SimHost } from "./harness";

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `command` on a simulated host with the machine's own OpenSSH client.
 * A non-zero exit is data, not an exception (255 = ssh itself failed).
 */
export function sshRun(cluster: Pick<SimCluster, "keyPath">, host: Pick<SimHost, "address" | "port">, command: string, timeoutMs = 30_000): Promise<SshResult> {
  const args = [
    "-i", cluster.keyPath,
    "-p", String(host.port),
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "BatchMode=yes",
    "-o", "LogLevel=ERROR",
    "-o", "ConnectTimeout=5",
    `root@${host.address}`,
    command,
  ];
  return new Promise((resolve) => {
    execFile("ssh", args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 255) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
