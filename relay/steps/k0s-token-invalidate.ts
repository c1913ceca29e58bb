import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { z } from "zod";
import { JOIN_TOKEN_FILE, type K0sTokenInvalidateStep } from "../../schema/steps-k0s";
import { asRoot, sh } from "../quote";
import { targetLabel } from "../ssh-pool";
import { commandFailed, failed, isFailure, type StepContext, type StepOutcome } from "./step-context";

const TokenKubeconfig = z.object({
  users: z.array(z.object({ user: z.object({ token: z.string() }).partial().optional() })).min(1),
});

/**
 * A k0s join token is base64 of a gzipped kubeconfig whose user token is
 * `<id>.<secret>`; `k0s token invalidate` takes the id. Undefined when the
 * text is not such a token.
 */
export function joinTokenId(token: string): string | undefined {
  try {
    const kubeconfig = parse(gunzipSync(Buffer.from(token.trim(), "base64")).toString("utf8")) as unknown;
    const parsed = TokenKubeconfig.safeParse(kubeconfig);
    if (!parsed.success) return undefined;
    for (const u of parsed.data.users) {
      const id = /^([a-z0-9]{6})\.[a-z0-9]{16}$/.exec(u.user?.token ?? "")?.[1];
      if (id) return id;
    }
  } catch {
    // not base64 of gzip of YAML
  }
  return undefined;
}

// What a used token file holds afterwards (k0sctl overwrites it the same way).
const SCRUBBED = "# join token used and invalidated by keel";

/**
 * `k0s token invalidate <id>` for the token kept as `secret`, then the relay
 * forgets it and overwrites the token file it wrote on the joiner. The token
 * is invalidated first: once that is done, a joiner that cannot be reached
 * holds a dead credential, not a live one.
 */
export async function k0sTokenInvalidate(step: K0sTokenInvalidateStep, ctx: StepContext): Promise<StepOutcome> {
  const owner = step.secretRun ?? ctx.runId;
  const token = await ctx.journal.getSecret(owner, step.secret);
  if (!token) return failed("invalid_step", `join token secret ${step.secret} is not on this relay (never created in this run, or already invalidated)`);
  const id = joinTokenId(token);
  if (!id) return failed("invalid_step", `secret ${step.secret} does not hold a k0s join token (cannot decode its token id)`);
  const { joiner } = step;
  if (joiner) {
    const decision = ctx.policy.checkTarget(joiner);
    if (!decision.allowed) return failed("policy_denied", `joiner: ${decision.message}`);
  }
  const command = sh`${step.installPath} token invalidate --data-dir=${step.dataDir} ${id}`;
  const res = await ctx.run(command, { asRoot: true });
  if (isFailure(res)) return commandFailed(command, res);
  await ctx.journal.deleteSecret(owner, step.secret);
  if (joiner) {
    const scrub = sh`if [ -e ${JOIN_TOKEN_FILE} ]; then printf '%s\\n' ${SCRUBBED} > ${JOIN_TOKEN_FILE} && chmod 0600 -- ${JOIN_TOKEN_FILE}; fi`;
    const scrubbed = await ctx.pool.exec(joiner, asRoot(joiner.user, scrub), ctx.signal);
    if (isFailure(scrubbed)) {
      const failure = commandFailed(scrub, scrubbed);
      const message = `token ${id} is invalidated, but its file on ${targetLabel(joiner)} could not be overwritten: ${failure.error?.message ?? ""}`;
      return { ...failure, error: { code: "command_failed", message: message.slice(0, 4096) } };
    }
  }
  return { ok: true, exitCode: 0, stdout: res.stdout, stderr: res.stderr, changed: true };
}
