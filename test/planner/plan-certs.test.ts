import { describe, expect, it } from "vitest";
import type { CertificateInfo, RunReport } from "../../schema/step-reports";
import type { Step } from "../../schema/steps";
import type { StoredHostFacts } from "../../schema/stored-facts";
import { OPERATIONS } from "../../worker/planner/operations";
import { batchesOf } from "../../worker/planner/plan";
import { host, seedHosts, spec } from "./fixtures";

type HostInput = Parameters<typeof spec>[0][number];

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 11, 1);

const inputs = (hosts: HostInput[] = seedHosts(), options: Record<string, unknown> = {}) => ({
  cluster: "k0s-cluster",
  site: "dc1",
  revision: 1,
  spec: spec(hosts, {}, options),
  lastApplied: null,
  appliedRevision: 1,
  facts: {},
});

function facts(numbers: number[], role: (n: number) => "controller+worker" | "worker" | "controller", down: number[] = []): Record<string, StoredHostFacts> {
  return Object.fromEntries(
    numbers.map((n) => [`10.0.0.${n}:22`, { arch: "x86_64", hostname: `k${n}`, privateAddress: `10.0.0.${n}`, k0s: { running: !down.includes(n), installedVersion: "v1.21.2+k0s.1", role: role(n) } }]),
  );
}

function cert(path: string, isCA: boolean, days: number): CertificateInfo {
  return { path, subject: "CN=x", issuer: "CN=ca", sans: [], notBefore: T0, notAfter: T0 + days * DAY, isCA, fingerprint: `fp:${path}` };
}

/** The gather phase's reports: a PKI (and kubelet certificates on nodes) on every host. */
function inventories(numbers: number[], controllers: number[]): RunReport[] {
  return numbers.map((n) => ({
    stepId: `cert-inventory:10.0.0.${n}:22`,
    host: `10.0.0.${n}:22`,
    report: {
      kind: "certificates" as const,
      certificates: [
        ...(controllers.includes(n) ? [cert("/var/lib/k0s/pki/ca.crt", true, 3650), cert("/var/lib/k0s/pki/server.crt", false, 10), cert("/var/lib/k0s/pki/etcd/peer.crt", false, 10)] : []),
        cert("/var/lib/k0s/kubelet/pki/kubelet-client-current.pem", false, 300),
      ],
    },
  }));
}

const SEED = [11, 12, 13, 14, 15];
const seedRole = (n: number) => (n <= 13 ? ("controller+worker" as const) : ("worker" as const));
const at = (s: Step) => `${s.kind}@${s.id.slice(s.id.indexOf(":") + 1).replace(/:22$/, "")}`;

describe("certs.inventory planning", () => {
  it("connects, then reads every host's certificates at once: a controller's PKI, a node's kubelet certificates", () => {
    const first = OPERATIONS["certs.inventory"].first(inputs(), {});
    if (!first.ok) throw new Error(JSON.stringify(first.issues));
    expect(first.gathers).toBe(false);
    expect(first.plan.phases.map((p) => p.name)).toEqual(["Connect to hosts", "Detect host operating systems", "Gather host facts", "Read certificates", "Disconnect from hosts"]);
    const read = first.plan.phases[3];
    expect(read && batchesOf(read)).toHaveLength(1);
    expect(read?.steps.map((s) => (s.kind === "cert.inventory" ? `${s.host.address} ${s.controller} ${s.kubelet} ${s.dataDir}` : s.kind))).toEqual([
      "10.0.0.11 true true /var/lib/k0s",
      "10.0.0.12 true true /var/lib/k0s",
      "10.0.0.13 true true /var/lib/k0s",
      "10.0.0.14 false true /var/lib/k0s",
      "10.0.0.15 false true /var/lib/k0s",
    ]);
  });

  it("reads a moved data dir and leaves hosts marked reset alone", () => {
    const first = OPERATIONS["certs.inventory"].first(inputs([host(11, "controller", { dataDir: "/data/k0s" }), host(12, "worker", { reset: true })]), {});
    if (!first.ok) throw new Error("refused");
    const steps = first.plan.phases[3]?.steps ?? [];
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: "cert.inventory", dataDir: "/data/k0s", controller: true, kubelet: false });
  });
});

describe("certs.renew planning", () => {
  const renew = OPERATIONS["certs.renew"];

  it("gathers facts, k0s facts and an inventory before planning anything", () => {
    const first = renew.first(inputs(), {});
    if (!first.ok) throw new Error("refused");
    expect(first.gathers).toBe(true);
    expect(first.plan.phases.map((p) => p.name)).toEqual(["Connect to hosts", "Detect host operating systems", "Gather host facts", "Gather k0s facts", "Read certificates"]);
  });

  it("restarts one controller at a time, each gated on /readyz, etcd, its node and the certificate check", () => {
    const planned = renew.next(inputs(), facts(SEED, seedRole), {}, inventories(SEED, [11, 12, 13]));
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    expect(planned.plan.phases.map((p) => p.name)).toEqual(["Renew controller certificates", "Disconnect from hosts"]);
    const phase = planned.plan.phases[0];
    if (!phase) throw new Error("no phase");
    const sequence = (n: number) => [`service.restart@10.0.0.${n}`, `k0s.wait.ready@10.0.0.${n}`, `k0s.etcd.health@10.0.0.${n}`, `k0s.wait.ready@10.0.0.${n}`, `cert.check@10.0.0.${n}`];
    expect(phase.steps.map(at)).toEqual([...sequence(11), ...sequence(12), ...sequence(13)]);
    // one step per batch: nothing of the next controller starts before the previous one passed every gate
    expect(batchesOf(phase).every((b) => b.length === 1)).toBe(true);
    const restart = phase.steps[0];
    expect(restart?.kind === "service.restart" && restart.service).toBe("k0scontroller");
    const node = phase.steps[3];
    expect(node?.kind === "k0s.wait.ready" && node.for).toEqual({ what: "node", nodeName: "k11" });
    const etcd = phase.steps[2];
    expect(etcd?.kind === "k0s.etcd.health" && etcd.peerAddress).toBe("10.0.0.11");
    // the check compares the controller PKI only: the kubelet rotates its own certificates
    const check = phase.steps[4];
    expect(check?.kind === "cert.check" && check.before.map((b) => `${b.path} ${b.isCA}`)).toEqual(["/var/lib/k0s/pki/ca.crt true", "/var/lib/k0s/pki/server.crt false", "/var/lib/k0s/pki/etcd/peer.crt false"]);
    expect(planned.summary).toContain("CAs are not renewed");
    expect(planned.warnings).toEqual([expect.stringContaining("2 workers are not restarted")]);
  });

  it("refuses while any controller is down, naming it, and plans no restart", () => {
    const planned = renew.next(inputs(), facts(SEED, seedRole, [12]), {}, inventories(SEED, [11, 12, 13]));
    expect(planned.ok).toBe(false);
    if (planned.ok) return;
    expect(planned.issues).toEqual([{ path: "spec.hosts[1]", message: expect.stringContaining("controller 10.0.0.12:22 is not running k0s") }]);
    expect(planned.issues[0]?.message).toContain("quorum");
  });

  it("refuses a controller whose inventory found no PKI (a wrong dataDir would otherwise pass the check trivially)", () => {
    const planned = renew.next(inputs(), facts(SEED, seedRole), {}, inventories(SEED, [11, 12]));
    expect(planned.ok).toBe(false);
    if (!planned.ok) expect(planned.issues.map((i) => i.path)).toEqual(["spec.hosts[2].dataDir"]);
  });

  it("has no etcd gate with kine storage, and no node gate for a plain controller", () => {
    const hosts = [host(11, "controller"), host(12, "worker")];
    const s = inputs(hosts);
    const kine = { ...s, spec: spec(hosts, { config: { apiVersion: "k0s.k0sproject.io/v1beta1", kind: "Cluster", metadata: { name: "k0s" }, spec: { storage: { type: "kine" } } } }) };
    const planned = renew.next(kine, facts([11, 12], (n) => (n === 11 ? "controller" : "worker")), {}, inventories([11, 12], [11]));
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    expect(planned.plan.phases[0]?.steps.map(at)).toEqual(["service.restart@10.0.0.11", "k0s.wait.ready@10.0.0.11", "cert.check@10.0.0.11"]);
  });

  it("with workers: restarts k0sworker in the disruption batches apply uses, each waited Ready on a controller and read again", () => {
    const numbers = [11, 21, 22, 23, 24, 25];
    const hosts = [host(11, "controller"), ...numbers.slice(1).map((n) => host(n, "worker"))];
    const planned = renew.next(
      inputs(hosts, { concurrency: { workerDisruptionPercent: 40 } }),
      facts(numbers, (n) => (n === 11 ? "controller" : "worker"), [25]),
      { workers: true },
      inventories(numbers, [11]),
    );
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    const workers = planned.plan.phases.find((p) => p.name === "Restart workers");
    if (!workers) throw new Error("no worker phase");
    // 40% of 4 running workers is 1 (rounded down, as apply does): one worker at a time
    expect(batchesOf(workers).map((b) => b.map(at))).toEqual(
      [21, 22, 23, 24].flatMap((n) => [[`service.restart@10.0.0.${n}`], [`k0s.wait.ready@10.0.0.${n}`], [`cert.inventory@10.0.0.${n}`]]),
    );
    expect(workers.steps.filter((s) => s.kind === "k0s.wait.ready").every((s) => s.host.address === "10.0.0.11")).toBe(true);
    expect(workers.steps.filter((s) => s.kind === "service.restart").every((s) => s.kind === "service.restart" && s.service === "k0sworker")).toBe(true);
    expect(planned.warnings).toEqual(["worker 10.0.0.25:22 is not running k0s: not restarted"]);

    const wider = renew.next(inputs(hosts, { concurrency: { workerDisruptionPercent: 50 } }), facts(numbers, (n) => (n === 11 ? "controller" : "worker")), { workers: true }, inventories(numbers, [11]));
    if (!wider.ok) throw new Error("refused");
    const batches = batchesOf(wider.plan.phases.find((p) => p.name === "Restart workers") ?? { name: "", steps: [] });
    // 50% of 5 is 2: batches of two workers side by side, then the fifth alone
    expect(batches.map((b) => b.map(at))).toEqual([
      ["service.restart@10.0.0.21", "service.restart@10.0.0.22"],
      ["k0s.wait.ready@10.0.0.21", "k0s.wait.ready@10.0.0.22"],
      ["cert.inventory@10.0.0.21", "cert.inventory@10.0.0.22"],
      ["service.restart@10.0.0.23", "service.restart@10.0.0.24"],
      ["k0s.wait.ready@10.0.0.23", "k0s.wait.ready@10.0.0.24"],
      ["cert.inventory@10.0.0.23", "cert.inventory@10.0.0.24"],
      ["service.restart@10.0.0.25"],
      ["k0s.wait.ready@10.0.0.25"],
      ["cert.inventory@10.0.0.25"],
    ]);
  });
});
