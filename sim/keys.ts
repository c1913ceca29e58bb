import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** An ed25519 key pair without a passphrase at `path` and `path.pub`; kept if it already exists. */
export async function ensureKey(path: string, comment: string): Promise<void> {
  if (existsSync(path) && existsSync(`${path}.pub`)) return;
  await newKey(path, comment);
}

export async function newKey(path: string, comment: string): Promise<void> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
}

/** "SHA256:…", exactly as `ssh-keygen -lf` prints it (and as clients show it). */
export async function fingerprint(publicKeyPath: string): Promise<string> {
  const { stdout } = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", publicKeyPath]);
  const fp = stdout.split(/\s+/)[1];
  if (!fp?.startsWith("SHA256:")) throw new Error(`unexpected ssh-keygen -lf output: ${stdout}`);
  return fp;
}
