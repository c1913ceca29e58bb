import type { ClusterSpec, HostFile } from "../../schema/cluster";
import { hostAddress, hostKey as specHostKey, isController } from "../../schema/cluster";
import type { FileUploadStep, K0sStep } from "../../schema/steps-k0s";
import type { ApplyFacts } from "./apply-facts";
import type { ApplyHost } from "./apply-hosts";
import { lockstep, phaseFromBatches } from "./apply-plan";
import type { PlanPhase } from "./plan";
import type { Step } from "../../schema/steps";
import { CONFIG_PATH, binaryInstall, readyz, service, tmpBinaryPath, type StepContext } from "./apply-steps";
import { DEFAULT_DOWNLOAD_URL, expandDownloadUrl } from "./download-url";
import { jsonEqual, k0sConfigFor, type ConfigHost } from "./k0s-config";
import type { PlanIssue } from "./plan";

/** Stage k0s binaries on hosts, Upload files to hosts, Install k0s binaries on hosts, Configure k0s. */

const MINUTE = 60_000;

export function stagePhase(c: StepContext, hosts: readonly ApplyHost[], issues: PlanIssue[]): PlanPhase {
  const steps: K0sStep[] = [];
  for (const h of hosts) {
    if (!h.needsBinary) continue;
    let source: Extract<K0sStep, { kind: "k0s.binary.stage" }>["source"];
    if (h.spec.k0sBinaryPath !== undefined) {
      source = { from: "relay", relayPath: h.spec.k0sBinaryPath };
    } else {
      const url = expandDownloadUrl(h.spec.k0sDownloadURL ?? DEFAULT_DOWNLOAD_URL, c.version, h.arch);
      if (!url.ok) {
        issues.push({ path: `spec.hosts[${h.index}].k0sDownloadURL`, message: `${h.key}: ${url.message}` });
        continue;
      }
      // uploadBinary without a local binary: the relay downloads once and uploads, for hosts without internet.
      source = { from: "url", url: url.url, fetch: h.spec.uploadBinary ? "relay" : "host" };
    }
    steps.push({ kind: "k0s.binary.stage", id: `stage:${h.key}`, host: h.target, timeoutMs: 15 * MINUTE, source, tmpPath: tmpBinaryPath(h, c.version), version: c.version });
  }
  return phaseFromBatches("Stage k0s binaries on hosts", [steps], c.spec.spec.options.concurrency.uploads);
}

/**
 * Every file of every host that stays, on every apply: only the relay can see
 * whether a local file changed since the last upload, and it skips files whose
 * size and sha256 already match, so an unchanged spec uploads nothing.
 */
export function uploadPhase(c: StepContext, hosts: readonly ApplyHost[]): PlanPhase {
  const sequences = hosts.filter((h) => !h.reset).map((h) => h.spec.files.map((f, j) => fileStep(h, f, j)));
  return phaseFromBatches("Upload files to hosts", lockstep(sequences), c.spec.spec.options.concurrency.uploads);
}

function fileStep(h: ApplyHost, f: HostFile, j: number): FileUploadStep {
  const hasData = f.data !== undefined && f.data.trim() !== "";
  const source: FileUploadStep["source"] = hasData
    ? { from: "data", data: f.data ?? "" }
    : /^https?:\/\//.test(f.src ?? "")
      ? { from: "url", url: f.src ?? "" }
      : { from: "relay", path: f.src ?? "" };
  // k0sctl: dst inside dstDir when both are given; inline data without dst is named after the entry.
  let dst = f.dst;
  if (dst !== undefined && f.dstDir !== undefined && !dst.startsWith("/")) dst = joinPath(f.dstDir, dst);
  if (dst === undefined && hasData && f.dstDir !== undefined && f.name !== undefined) dst = joinPath(f.dstDir, f.name);
  return {
    kind: "file.upload",
    id: `upload:${j}:${h.key}`,
    host: h.target,
    timeoutMs: 30 * MINUTE,
    ...(f.name !== undefined ? { name: f.name } : {}),
    source,
    ...(dst !== undefined ? { dst } : { dstDir: f.dstDir ?? "/" }),
    ...(f.perm !== undefined ? { perm: f.perm } : {}),
    dirPerm: f.dirPerm,
    ...(f.user !== undefined ? { user: f.user } : {}),
    ...(f.group !== undefined ? { group: f.group } : {}),
  };
}

function joinPath(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, "")}/${name}`;
}

export function installBinariesPhase(c: StepContext, hosts: readonly ApplyHost[]): PlanPhase {
  const steps = hosts.filter((h) => h.action === "install" && h.needsBinary).map((h) => binaryInstall(c, h));
  return phaseFromBatches("Install k0s binaries on hosts", [steps]);
}

/** The config each controller of `spec` gets, by "address:port"; facts supply discovered private addresses. */
export function controllerConfigs(spec: ClusterSpec, facts: ApplyFacts): Map<string, Record<string, unknown>> {
  const controllers = spec.spec.hosts.filter(isController).map((h) => {
    const key = specHostKey(h);
    const found = facts.hosts[key];
    const host: ConfigHost = {
      address: hostAddress(h),
      privateAddress: h.privateAddress ?? found?.k0s?.privateAddress ?? found?.privateAddress ?? hostAddress(h),
      reset: h.reset,
    };
    return { key, host };
  });
  const all = controllers.map((x) => x.host);
  return new Map(controllers.map(({ key, host }) => [key, k0sConfigFor(spec, host, all)]));
}

/**
 * Write the config of every controller that is new or whose config differs
 * from what the last applied revision gave it, then restart the running ones
 * among them one at a time, each ready before the next: restarting them
 * together can lose etcd quorum (k0sctl #1142). Hosts about to be upgraded are
 * not restarted here; their upgrade restarts them.
 */
export function configurePhase(c: StepContext, hosts: readonly ApplyHost[], facts: ApplyFacts, lastApplied: ClusterSpec | null): PlanPhase {
  const next = controllerConfigs(c.spec, facts);
  const previous = lastApplied ? controllerConfigs(lastApplied, facts) : new Map<string, Record<string, unknown>>();
  const writes: Step[] = [];
  const restarts: Step[][] = [];
  for (const h of hosts) {
    const config = next.get(h.key);
    if (!h.controller || h.reset || config === undefined) continue;
    const unknownOnHost = h.k0s?.configSha256 === undefined;
    const changed = h.action === "install" || unknownOnHost || !jsonEqual(config, previous.get(h.key));
    if (!changed) continue;
    writes.push({
      kind: "k0s.config.write",
      id: `config:${h.key}`,
      host: h.target,
      timeoutMs: 2 * MINUTE,
      path: CONFIG_PATH,
      config,
      validateWith: h.action === "upgrade" ? tmpBinaryPath(h, c.version) : h.spec.k0sInstallPath,
    });
    if (h.running && h.action === "keep") {
      restarts.push([service(h, "restart", "config-restart")], [readyz(c, h, "config-readyz")]);
    }
  }
  return phaseFromBatches("Configure k0s", [writes, ...restarts]);
}
