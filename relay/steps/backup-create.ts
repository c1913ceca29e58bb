import { posix } from "node:path";
import type { BackupReport, K0sBackupStep } from "../../schema/steps-backup";
import { hostKey } from "../../schema/step-base";
import { sh } from "../quote";
import { mustRun } from "./remote-file";
import { withSftp } from "./remote-write";
import { failed, normalizeVersion, type StepContext, type StepOutcome } from "./step-context";

/**
 * `k0s backup` on the leader into a fresh temp dir (k0s needs the directory
 * to exist), the archive streamed over SFTP into the relay's store (encrypted
 * on the way), the host's copy removed whatever happens, then the stored file
 * verified and the cluster's older backups pruned. The result carries only
 * metadata: the archive holds the CA keys and never leaves the relay.
 */
export async function backupCreate(step: K0sBackupStep, ctx: StepContext): Promise<StepOutcome> {
  const store = ctx.backups;
  if (!store) return failed("policy_denied", "this relay has no backup store: add `backups: { dir, keyFile }` to its relay.yaml");
  // One backup per run: a re-sent step names the same backup.
  const id = ctx.runId;
  const version = normalizeVersion(await mustRun(ctx, sh`${step.installPath} version`));
  const tmp = (await mustRun(ctx, sh`mktemp -d`)).trim();
  let stored;
  try {
    const backupOut = await mustRun(ctx, sh`${step.installPath} backup --save-path=${tmp} --data-dir=${step.dataDir}`);
    // As k0sctl does: the archive is the directory's one entry.
    const entry = (await mustRun(ctx, sh`ls -1 -- ${tmp}`)).split("\n").find((l) => l.trim().length > 0);
    if (!entry) return failed("command_failed", `\`k0s backup\` left no archive in ${tmp}`);
    const archive = posix.join(tmp, entry.trim());
    // SFTP reads as the login: give it the root-owned archive.
    if (ctx.host.user !== "root") await mustRun(ctx, sh`chown -R ${ctx.host.user} -- ${tmp}`);
    stored = await withSftp(ctx, (sftp) => store.write(step.cluster, id, sftp.createReadStream(archive), Date.now()));
    ctx.log("backup", `${step.cluster}/${id}: ${stored.size} bytes stored (${backupOut.trim().split("\n").length} lines from k0s backup)`);
  } finally {
    await ctx.run(sh`rm -rf -- ${tmp}`, { asRoot: true }).catch(() => undefined);
  }
  const check = await store.verify(step.cluster, id, stored.sha256);
  const base = { kind: "backup" as const, id, size: stored.size, sha256: stored.sha256, contents: check.contents, k0sVersion: version, host: hostKey(step.host), createdAt: stored.createdAt };
  if (!check.ok) {
    // A backup that cannot be restored is not kept as one.
    await store.remove(step.cluster, id);
    const report: BackupReport = { ...base, status: "failed", error: check.error ?? "verification failed", pruned: [] };
    return { ...failed("command_failed", `backup ${id} failed verification: ${report.error}`), report };
  }
  const pruned = await store.prune(step.cluster);
  const report: BackupReport = { ...base, status: "verified", pruned };
  return { ok: true, exitCode: 0, stdout: `backup ${id}: ${stored.size} bytes, sha256 ${stored.sha256}\n`, stderr: "", changed: true, report };
}
