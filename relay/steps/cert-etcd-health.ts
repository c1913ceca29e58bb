import { z } from "zod";
import type { EtcdHealthStep } from "../../schema/steps-certs";
import { sh } from "../quote";
import type { ExecResult } from "../ssh-connection";
import { kubectl } from "./k0s-command";
import { pause, pollDelayMs, type StepContext, type StepOutcome } from "./step-context";


// `k0s etcd member-list` prints {"members": {"<name>": "<peer URL>"}}.
const MemberList = z.object({ members: z.record(z.string(), z.string()) });

/** The peer URLs `k0s etcd member-list` printed, or undefined when it printed something else. */
export function memberPeerUrls(stdout: string): string[] | undefined {
  try {
    const parsed = MemberList.safeParse(JSON.parse(stdout));
    return parsed.success ? Object.values(parsed.data.members) : undefined;
  } catch {
    return undefined;
  }
}

/** etcd wants the IPv6 literal in brackets in a URL. */
export function peerUrl(address: string): string {
  return `https://${address.includes(":") ? `[${address}]` : address}:2380`;
}

/**
 * Polls until this controller is an etcd member again and the API server's
 * etcd check passes. k0s has no etcd health command of its own:
 * `member-list` shows membership (it fails while the local etcd is down) and
 * the kube-apiserver's `/readyz/etcd` is its view of etcd's health.
 */
export async function etcdHealth(step: EtcdHealthStep, ctx: StepContext): Promise<StepOutcome> {
  const members = sh`${step.installPath} etcd member-list --data-dir=${step.dataDir}`;
  const readyz = sh`${kubectl(step)} get --raw=/readyz/etcd`;
  const want = peerUrl(step.peerAddress);
  const margin = Math.min(1000, Math.max(50, step.timeoutMs / 10));
  let why = "";
  let last: ExecResult | undefined;
  // The slowest round so far: another must have time to answer before the executor's deadline.
  let slowest = 0;
  for (let attempt = 1; ; attempt++) {
    const asked = Date.now();
    last = await ctx.run(members, { asRoot: true });
    const urls = last.exitCode === 0 ? memberPeerUrls(last.stdout) : undefined;
    if (last.exitCode !== 0) why = `member-list failed: ${lastLine(last.stderr) || `exit ${last.exitCode ?? "?"}`}`;
    else if (!urls) why = `member-list printed no member list: ${lastLine(last.stdout)}`;
    else if (!urls.includes(want)) why = `${want} is not among the members (${urls.join(", ") || "none"})`;
    else {
      last = await ctx.run(readyz, { asRoot: true });
      if (last.exitCode === 0 && last.stdout.trim() === "ok") {
        return { ok: true, exitCode: 0, stdout: `etcd member ${want} of ${urls.length} is healthy`, stderr: "" };
      }
      why = `/readyz/etcd: ${lastLine(last.stderr) || lastLine(last.stdout) || `exit ${last.exitCode ?? "?"}`}`;
    }
    slowest = Math.max(slowest, Date.now() - asked);
    const delay = pollDelayMs(attempt);
    if (Date.now() + delay + Math.max(margin, 2 * slowest) >= ctx.deadline || ctx.signal.aborted) break;
    await pause(delay, ctx.signal);
  }
  return {
    ok: false,
    exitCode: last.exitCode,
    stdout: "",
    stderr: last.stderr,
    error: { code: "timeout", message: `etcd on this controller was not healthy within ${step.timeoutMs} ms; last: ${why}`.slice(0, 4096) },
  };
}

function lastLine(text: string): string {
  return (text.trim().split("\n").pop() ?? "").slice(0, 300);
}
