import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { z } from "zod";
import type { K0sTokenInvalidateStep } from "../../schema/steps-k0s";
import { sh } from "../quote";
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

/** `k0s token invalidate <id>` for the token kept as `secret`, then the relay forgets it. */
export async function k0sTokenInvalidate(step: K0sTokenInvalidateStep, ctx: StepContext): Promise<StepOutcome> {
  const token = await ctx.journal.getSecret(ctx.runId, step.secret);
  if (!token) return failed("invalid_step", `join token secret ${step.secret} is not on this relay (never created in this run, or already invalidated)`);
  const id = joinTokenId(token);
  if (!id) return failed("invalid_step", `secret ${step.secret} does not hold a k0s join token (cannot decode its token id)`);
  const command = sh`${step.installPath} token invalidate --data-dir=${step.dataDir} ${id}`;
  const res = await ctx.run(command, { asRoot: true });
  if (isFailure(res)) return commandFailed(command, res);
  await ctx.journal.deleteSecret(ctx.runId, step.secret);
  return { ok: true, exitCode: 0, stdout: res.stdout, stderr: res.stderr, changed: true };
}
