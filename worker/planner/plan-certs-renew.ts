import type { ClusterSpec } from "../../schema/cluster";
import type { CertificateInfo, RunReport } from "../../schema/step-reports";
import type { Step } from "../../schema/steps";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { lockstep, phaseFromBatches } from "./apply-plan";
import { chunk, disruptionBatchSize } from "./batches";
import { certHosts, type CertHost } from "./cert-hosts";
import { certCheck, certInventory, disconnect, etcdHealth, nodeReady, readyz, restart } from "./cert-steps";
import type { NextPlan, Planned } from "./operations";
import type { Plan } from "./plan";
import { planFacts } from "./plan-facts";
import { planK0sFacts } from "./plan-k0s-facts";
import { inventoryPhase } from "./plan-certs-inventory";
import type { RunInputs, RunOptions } from "./run-inputs";

/**
 * Certificate renewal. k0s re-issues every leaf certificate each time a
 * controller starts and never touches its CAs, so renewing is a rolling
 * restart of k0scontroller, gated on health: one controller at a time,
 * restart, its /readyz, its etcd member healthy, its node Ready (when it runs
 * a kubelet), then its certificates read again and checked against the
 * inventory the gather phase took (every leaf's notAfter later, every CA the
 * same). The first failure stops the run with the other controllers untouched.
 * It never starts while a controller is down: restarting another one then
 * could cost etcd quorum. Workers rotate their kubelet certificates
 * themselves; `workers` restarts k0sworker in apply's disruption batches.
 */

const MINUTE = 60_000;

export function renewGatherPlan(spec: ClusterSpec): Plan {
  const facts = planFacts(spec);
  return { ...facts, phases: [...facts.phases, planK0sFacts(spec), inventoryPhase(spec)] };
}

/** The host's certificates as its last report in this run says. */
function inventoryOf(reports: readonly RunReport[], key: string): CertificateInfo[] | undefined {
  const mine = reports.flatMap((r) => (r.host === key && r.report.kind === "certificates" ? [r.report.certificates] : []));
  return mine[mine.length - 1];
}

/** What the restart must renew: the controller PKI only; a kubelet's own certificates are rotated by the kubelet, not by a restart. */
function controllerPki(h: CertHost, certs: readonly CertificateInfo[]): CertificateInfo[] {
  const pki = `${h.dataDir.replace(/\/+$/, "")}/pki/`;
  return certs.filter((c) => c.path.startsWith(pki));
}

export function planCertsRenewRun(inputs: RunInputs, gathered: Record<string, StoredHostFacts>, options: RunOptions, reports: readonly RunReport[]): Planned<NextPlan> {
  const spec = inputs.spec;
  const { hosts, issues } = certHosts(spec, gathered);
  const controllers = hosts.filter((h) => h.controller);
  for (const h of controllers.filter((c) => !c.running)) {
    issues.push({
      path: `spec.hosts[${h.index}]`,
      message: `controller ${h.key} is not running k0s: renewal restarts the controllers one at a time and needs every other one up to keep etcd quorum; start it (or run apply) and renew again`,
    });
  }
  const before = new Map<string, CertificateInfo[]>();
  for (const h of controllers) {
    const pki = controllerPki(h, inventoryOf(reports, h.key) ?? []);
    if (pki.length === 0) issues.push({ path: `spec.hosts[${h.index}].dataDir`, message: `no certificates were found under ${h.dataDir}/pki on controller ${h.key}: nothing to check a renewal against` });
    before.set(h.key, pki);
  }
  const leader = controllers[0];
  if (!leader) issues.push({ path: "spec.hosts", message: "must have at least one controller" });
  if (issues.length > 0 || !leader) return { ok: false, issues };

  const readyMs = options.waitTimeoutMs ?? 5 * MINUTE;
  const nodeReadyMs = options.waitTimeoutMs ?? 10 * MINUTE;
  const storage = spec.spec.k0s.config?.spec?.storage?.type;
  const warnings: string[] = [];
  const named = (h: CertHost): (CertHost & { nodeName: string }) | undefined => (h.nodeName !== undefined ? { ...h, nodeName: h.nodeName } : undefined);

  const controllerSteps = controllers.flatMap((h): Step[] => {
    // A single-node k0s keeps its state in kine, not etcd.
    const etcd = (storage === undefined || storage === "etcd") && h.spec.role !== "single";
    const node = h.kubelet ? named(h) : undefined;
    if (h.kubelet && !node) warnings.push(`${h.key}: its node name is unknown, so its node is not waited for after the restart`);
    return [
      restart(h, "k0scontroller"),
      readyz(h, readyMs),
      ...(etcd ? [etcdHealth(h, readyMs)] : []),
      ...(node ? [nodeReady(node, h, nodeReadyMs)] : []),
      certCheck(h, before.get(h.key) ?? []),
    ];
  });

  const workers = hosts.filter((h) => !h.controller);
  let workerBatches: Step[][] = [];
  if (options.workers) {
    const running = workers.filter((w) => {
      if (!w.running) warnings.push(`worker ${w.key} is not running k0s: not restarted`);
      return w.running;
    });
    const o = spec.spec.options.concurrency;
    const size = disruptionBatchSize(running.length, o.workerDisruptionPercent, o.limit);
    workerBatches = chunk(running, size).flatMap((batch) =>
      lockstep(
        batch.map((w) => {
          const node = named(w);
          if (!node) warnings.push(`${w.key}: its node name is unknown, so its node is not waited for after the restart`);
          return [restart(w, "k0sworker"), ...(node ? [nodeReady(node, leader, nodeReadyMs)] : []), certInventory(w, "cert-reread")];
        }),
      ),
    );
  } else if (workers.length > 0) {
    warnings.push(`${workers.length} ${workers.length === 1 ? "worker is" : "workers are"} not restarted: kubelets rotate their own certificates (restart them with workers=true / --workers)`);
  }

  const phases = [
    // One step per batch: each controller's whole sequence passes before the next controller's restart.
    phaseFromBatches("Renew controller certificates", controllerSteps.map((step) => [step])),
    phaseFromBatches("Restart workers", workerBatches),
    phaseFromBatches("Disconnect from hosts", [hosts.map(disconnect)]),
  ].filter((p) => p.steps.length > 0);
  const steps = phases.reduce((n, p) => n + p.steps.length, 0);
  return {
    ok: true,
    plan: { phases, concurrency: spec.spec.options.concurrency.limit },
    summary:
      `Planned a health-gated restart of ${controllers.length} ${controllers.length === 1 ? "controller" : "controllers"} one at a time (${steps} steps): ` +
      `restart k0scontroller, /readyz, etcd healthy, node Ready, leaf certificates renewed and CAs unchanged` +
      (options.workers ? `, then ${workers.length} ${workers.length === 1 ? "worker" : "workers"} in disruption batches` : "") +
      ". CAs are not renewed: k0s keeps them, and replacing a CA is a manual procedure outside keel",
    warnings,
    expected: null,
    changes: null,
  };
}

