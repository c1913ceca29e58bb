import { createHash } from "node:crypto";
import { Transform } from "node:stream";
import type { K0sRestoreStep } from "../../schema/steps-backup";
import { sh } from "../quote";
import { pipeline } from "node:stream/promises";
import { mustRun } from "./remote-file";
import { withSftp } from "./remote-write";
import { failed, type StepContext, type StepOutcome } from "./step-context";

/**
 * Uploads a stored backup to the (stopped) leader, decrypting on the way, and
 * runs `k0s restore` on it; the plaintext copy on the host is removed
 * whatever happens. The restored config goes to the temp dir too
 * (`--config-out`), not into root's working directory: keel writes
 * /etc/k0s/k0s.yaml from the spec itself.
 */
export async function backupRestore(step: K0sRestoreStep, ctx: StepContext): Promise<StepOutcome> {
  const store = ctx.backups;
  if (!store) return failed("policy_denied", "this relay has no backup store: add `backups: { dir, keyFile }` to its relay.yaml");
  if (!(await store.has(step.cluster, step.backupId))) return failed("invalid_step", `backup ${step.backupId} of cluster ${step.cluster} is not in this relay's store (${store.dir})`);
  const tmp = (await mustRun(ctx, sh`mktemp -d`)).trim();
  const file = `${tmp}/k0s_backup.tar.gz`;
  try {
    const hash = createHash("sha256");
    const measure = new Transform({
      transform(chunk: Buffer, _e, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const plain = await store.open(step.cluster, step.backupId);
    plain.on("error", (err) => measure.destroy(err));
    // A decrypting stream, written straight to the (stopped, private) temp dir: no staging needed there.
    await withSftp(ctx, (sftp) => pipeline(plain, measure, sftp.createWriteStream(file, { mode: 0o600 })));
    const sha = hash.digest("hex");
    if (sha !== step.sha256) return failed("command_failed", `backup ${step.backupId} decrypts to sha256 ${sha}, not the ${step.sha256} recorded when it was taken`);
    const out = await mustRun(ctx, sh`${step.installPath} restore --data-dir=${step.dataDir} --config-out=${`${tmp}/k0s.yaml`} ${file}`);
    return { ok: true, exitCode: 0, stdout: out, stderr: "", changed: true };
  } finally {
    await ctx.run(sh`rm -rf -- ${tmp}`, { asRoot: true }).catch(() => undefined);
  }
}
