import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import type { BackupContents } from "../../schema/steps-backup";

/** Lists a tar.gz's members by piping it through `tar -tzf -` (streamed: the archive is never held in memory). */
export function listMembers(archive: Readable): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const tar = spawn("tar", ["-tzf", "-"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let failure: Error | undefined;
    tar.stdout.setEncoding("utf8").on("data", (d: string) => {
      // Member names only; a huge images/ folder is still a few MB of names.
      out += d;
    });
    tar.stderr.setEncoding("utf8").on("data", (d: string) => (err = (err + d).slice(-2000)));
    archive.on("error", (e) => {
      failure = e;
      tar.stdin.destroy();
      tar.kill();
    });
    // tar may exit before reading everything (a broken gzip): its EPIPE is reported through the exit code.
    tar.stdin.on("error", () => undefined);
    archive.pipe(tar.stdin);
    tar.on("error", reject);
    tar.on("close", (code) => {
      if (failure) return reject(failure);
      if (code !== 0) return reject(new Error(`the archive is not a readable tar.gz: ${err.trim().split("\n").pop() ?? `tar exited ${code}`}`));
      resolve(out.split("\n").filter((l) => l.length > 0));
    });
  });
}

/** What k0s backup puts in an archive (k0s pkg/backup: etcd-snapshot.db or kine-state-backup.db, pki/, manifests/, images/, k0s.yaml). */
export function contentsOf(members: readonly string[]): BackupContents {
  const names = members.map((m) => m.replace(/^\.\//, ""));
  const has = (name: string) => names.includes(name);
  const under = (dir: string) => names.some((n) => n.startsWith(`${dir}/`) && n.length > dir.length + 1);
  return {
    storage: has("etcd-snapshot.db") ? "etcd" : has("kine-state-backup.db") ? "kine" : null,
    pki: under("pki"),
    manifests: under("manifests") || has("manifests/"),
    images: under("images"),
    config: has("k0s.yaml"),
  };
}
