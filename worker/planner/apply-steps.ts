import { goDurationMs, type ClusterSpec } from "../../schema/cluster";
import { K0S_SERVICE_OF_ROLE, TaintEffect, type HookName, type K0sService, type K0sStep } from "../../schema/steps-k0s";
import type { ApplyHost } from "./apply-hosts";

/**
 * Builders for the apply steps of one host. Ids are "<what>:<address:port>"
 * of the host the step is about (not the host it runs on: a drain of
 * 10.0.0.14 runs on the leader but is `drain:10.0.0.14:22`), so they are
 * unique in a run and stable across re-plans, which the relay's journal and a
 * resumed run rely on.
 */

export const CONFIG_PATH = "/etc/k0s/k0s.yaml";
const MINUTE = 60_000;
const MAX_STEP_MS = 6 * 3600_000;

export interface Timeouts {
  readyMs: number;
  nodeReadyMs: number;
  drainMs: number;
}

/** Step time bounds are clamped to what the step schema accepts. */
export function clampTimeout(ms: number): number {
  return Math.min(MAX_STEP_MS, Math.max(1000, Math.round(ms)));
}

export interface StepContext {
  spec: ClusterSpec;
  version: string;
  leader: ApplyHost;
  timeouts: Timeouts;
}

export function tmpBinaryPath(h: ApplyHost, version: string): string {
  return `${h.spec.k0sInstallPath}.tmp.${version.replace(/[^A-Za-z0-9.+-]/g, "_")}`;
}

function base(h: ApplyHost, what: string, timeoutMs: number, on: ApplyHost = h) {
  return { id: `${what}:${h.key}`, host: on.target, timeoutMs: clampTimeout(timeoutMs) };
}

function paths(h: ApplyHost) {
  return { installPath: h.spec.k0sInstallPath, dataDir: h.args.dataDir };
}

export function serviceName(h: ApplyHost): K0sService {
  return K0S_SERVICE_OF_ROLE[h.controller ? "controller" : "worker"];
}

// Validation in plan-apply refuses hosts whose node name is unknown before any builder needs it.
function node(h: ApplyHost): string {
  if (h.nodeName === undefined) throw new Error(`internal: node name of ${h.key} was not checked`);
  return h.nodeName;
}

export function hook(h: ApplyHost, name: HookName): K0sStep[] {
  const groups: Record<string, { before?: string[]; after?: string[] } | undefined> = h.spec.hooks;
  const [action = "", stage] = name.split(".");
  const lines = stage === "before" ? groups[action]?.before : groups[action]?.after;
  if (!lines || lines.length === 0) return [];
  return [{ kind: "hook.run", ...base(h, `hook:${name}`, 30 * MINUTE), hook: name, lines }];
}

export function k0sInstall(h: ApplyHost, opts: { tokenSecret?: string; force: boolean; what?: string }): K0sStep {
  const a = h.args;
  return {
    kind: "k0s.install",
    ...base(h, opts.what ?? "install", 2 * MINUTE),
    role: h.controller ? "controller" : "worker",
    ...paths(h),
    ...(h.controller ? { configPath: CONFIG_PATH } : {}),
    enableWorker: a.enableWorker,
    noTaints: a.noTaints,
    single: a.single,
    kubeletExtraArgs: a.kubeletExtraArgs,
    installFlags: a.installFlags,
    environment: h.spec.environment,
    ...(opts.tokenSecret !== undefined ? { tokenSecret: opts.tokenSecret } : {}),
    force: opts.force,
  };
}

export function service(h: ApplyHost, verb: "start" | "stop" | "restart", what: string = verb): K0sStep {
  return { kind: `service.${verb}`, ...base(h, what, 2 * MINUTE), service: serviceName(h) };
}

export function readyz(c: StepContext, h: ApplyHost, what = "readyz"): K0sStep {
  return { kind: "k0s.wait.ready", ...base(h, what, c.timeouts.readyMs), ...paths(h), for: { what: "readyz" } };
}

export function nodeReady(c: StepContext, h: ApplyHost, what = "node-ready"): K0sStep {
  return { kind: "k0s.wait.ready", ...base(h, what, c.timeouts.nodeReadyMs, c.leader), ...paths(c.leader), for: { what: "node", nodeName: node(h) } };
}

export function joinSecret(h: ApplyHost): string {
  return `join-token:${h.controller ? "controller" : "worker"}:${h.key}`;
}

/** Controller tokens live 30 minutes, worker tokens 10 (k0sctl's values); each joiner gets its own. */
export function tokenCreate(c: StepContext, h: ApplyHost): K0sStep {
  return {
    kind: "k0s.token.create",
    ...base(h, "token-create", MINUTE, c.leader),
    ...paths(c.leader),
    role: h.controller ? "controller" : "worker",
    expiry: h.controller ? "30m0s" : "10m0s",
    saveAs: joinSecret(h),
  };
}

/** Runs on the leader; the relay also overwrites the token file it wrote on the joiner. */
export function tokenInvalidate(c: StepContext, h: ApplyHost): K0sStep {
  return { kind: "k0s.token.invalidate", ...base(h, "token-invalidate", MINUTE, c.leader), ...paths(c.leader), secret: joinSecret(h), joiner: h.target };
}

function evictTaint(c: StepContext, h: ApplyHost) {
  const e = c.spec.spec.options.evictTaint;
  // The spec schema checks the effect only when the taint is enabled, as k0sctl does.
  const effect = TaintEffect.safeParse(e.effect);
  if (!e.enabled || !effect.success || (h.controller && !e.controllerWorkers)) return {};
  const [key = "", value = ""] = e.taint.split("=", 2);
  return { evictTaint: { key, value, effect: effect.data } };
}

export function cordon(c: StepContext, h: ApplyHost): K0sStep {
  return { kind: "kube.cordon", ...base(h, "cordon", MINUTE, c.leader), ...paths(c.leader), nodeName: node(h), ...evictTaint(c, h) };
}

export function uncordon(c: StepContext, h: ApplyHost): K0sStep {
  return { kind: "kube.uncordon", ...base(h, "uncordon", MINUTE, c.leader), ...paths(c.leader), nodeName: node(h), ...evictTaint(c, h) };
}

export function drain(c: StepContext, h: ApplyHost): K0sStep {
  const d = c.spec.spec.options.drain;
  return {
    kind: "kube.drain",
    // kubectl gives up after its --timeout; the step bound leaves it room to report.
    ...base(h, "drain", c.timeouts.drainMs + MINUTE, c.leader),
    ...paths(c.leader),
    nodeName: node(h),
    gracePeriodSeconds: Math.round(goDurationMs(d.gracePeriod) / 1000),
    timeoutSeconds: Math.round(c.timeouts.drainMs / 1000),
    force: d.force,
    ignoreDaemonSets: d.ignoreDaemonSets,
    deleteEmptyDirData: d.deleteEmptyDirData,
    podSelector: d.podSelector,
    skipWaitForDeleteTimeoutSeconds: Math.round(goDurationMs(d.skipWaitForDeleteTimeout) / 1000),
  };
}

export function nodeDelete(c: StepContext, h: ApplyHost): K0sStep {
  return { kind: "kube.node.delete", ...base(h, "node-delete", MINUTE, c.leader), ...paths(c.leader), nodeName: node(h) };
}

/** Runs on the leaving controller while its k0s runs, else on the leader (etcd leave works from any member). */
export function etcdLeave(c: StepContext, h: ApplyHost): K0sStep {
  const on = h.running ? h : c.leader;
  return { kind: "k0s.etcd.leave", ...base(h, "etcd-leave", 2 * MINUTE, on), ...paths(on), peerAddress: h.privateAddress };
}

/** `removeBinary` false: the host is joined again right after, with the binary it has. */
export function k0sReset(h: ApplyHost, what = "reset", removeBinary = true): K0sStep {
  return { kind: "k0s.reset", ...base(h, what, 5 * MINUTE), ...paths(h), configPath: CONFIG_PATH, removeBinary };
}

export function binaryInstall(c: StepContext, h: ApplyHost): K0sStep {
  return {
    kind: "k0s.binary.install",
    ...base(h, "binary-install", 2 * MINUTE),
    tmpPath: tmpBinaryPath(h, c.version),
    installPath: h.spec.k0sInstallPath,
    expectVersion: c.version,
  };
}
