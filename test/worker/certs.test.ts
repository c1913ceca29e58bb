import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CertificatesResponse } from "../../schema/certs-api";
import { StartRunResponse } from "../../schema/run-api";
import type { CertificateInfo } from "../../schema/step-reports";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import { call, errorOf } from "./helpers";
import { auditOf, controllerAndWorkers, events, finished } from "./run-helpers";
import { clusterOnSite } from "./cluster-on-site";
import { RelaySocket, healthyResult } from "./relay-socket";

const DAY = 86_400_000;
const CONTROLLER = "127.0.0.11:22";
const WORKER = "127.0.0.12:22";

function cert(path: string, subject: string, issuer: string, days: number, isCA = false): CertificateInfo {
  const now = Date.now();
  return { path, subject, issuer, sans: isCA ? [] : ["DNS:localhost", "IP Address:127.0.0.1"], notBefore: now - DAY, notAfter: now + days * DAY, isCA, fingerprint: `fp:${path}:${days}` };
}

function controllerPki(leafDays: number): CertificateInfo[] {
  return [
    cert("/var/lib/k0s/pki/ca.crt", "CN=kubernetes-ca", "CN=kubernetes-ca", 200, true),
    cert("/var/lib/k0s/pki/etcd/ca.crt", "CN=etcd-ca", "CN=etcd-ca", 3600, true),
    cert("/var/lib/k0s/pki/server.crt", "O=kubernetes, CN=kubernetes", "CN=kubernetes-ca", leafDays),
    cert("/var/lib/k0s/pki/etcd/peer.crt", "CN=127.0.0.11", "CN=etcd-ca", leafDays),
  ];
}
const kubelet = [cert("/var/lib/k0s/kubelet/pki/kubelet-client-current.pem", "O=system:nodes, CN=system:node:w", "CN=kubernetes-ca", 300)];

async function start(cluster: string, what: "inventory" | "renew", query = ""): Promise<string> {
  const res = await call("POST", `/v1/clusters/${cluster}/certificates/${what}${query}`);
  expect(res.status, res.text).toBe(202);
  return StartRunResponse.parse(res.json).run.id;
}

async function list(cluster: string, query = "") {
  const res = await call("GET", `/v1/clusters/${cluster}/certificates${query}`);
  expect(res.status, res.text).toBe(200);
  return CertificatesResponse.parse(res.json);
}

const running: Record<string, K0sFactsReport> = {
  [CONTROLLER]: { running: true, installedVersion: "v1.21.2+k0s.1", role: "controller" },
  [WORKER]: { running: true, installedVersion: "v1.21.2+k0s.1", role: "worker" },
};

describe("certificate inventory", () => {
  it("stores every host's certificates, lists them soonest first with residual times, and warns about a CA near its end", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11", "127.0.0.12"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step, { certificates: { [CONTROLLER]: controllerPki(10), [WORKER]: kubelet } }));

    const id = await start(f.cluster, "inventory");
    const run = await finished(id);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.phases.map((p) => p.name)).toEqual(["Connect to hosts", "Detect host operating systems", "Gather host facts", "Read certificates", "Disconnect from hosts"]);
    const reads = relay.stepRuns().filter((s) => s.step.kind === "cert.inventory").map((s) => s.step);
    expect(reads.map((s) => s.kind === "cert.inventory" && `${s.host.address} ${s.controller} ${s.kubelet}`).sort()).toEqual(["127.0.0.11 true false", "127.0.0.12 false true"]);

    const log = (await events(id)).events;
    expect(log.map((e) => e.message)).toContain(`[ssh] ${CONTROLLER}: read 4 certificates`);
    const loud = log.filter((e) => e.level === "warn");
    expect(loud).toHaveLength(1);
    expect(loud[0]?.message).toMatch(/CA \/var\/lib\/k0s\/pki\/ca\.crt \(CN=kubernetes-ca\) expires in 19\d days .*keel renews leaf certificates only/);

    const all = await list(f.cluster);
    expect(all.certificates.map((c) => `${c.host} ${c.name} ${c.caName ?? "-"} ${c.isCA}`)).toEqual([
      `${CONTROLLER} etcd/peer etcd/ca false`,
      `${CONTROLLER} server ca false`,
      `${WORKER} kubelet/kubelet-client-current ca false`,
      `${CONTROLLER} ca - true`,
      `${CONTROLLER} etcd/ca - true`,
    ]);
    const server = all.certificates.find((c) => c.name === "server");
    expect(server?.residualTime).toBeGreaterThan(9 * 86_400);
    expect(server?.residualTime).toBeLessThanOrEqual(10 * 86_400);
    expect(server?.sans).toEqual(["DNS:localhost", "IP Address:127.0.0.1"]);
    expect(server?.runId).toBe(id);
    expect(all.warnings).toEqual([expect.stringContaining(`CA ca (CN=kubernetes-ca) on ${CONTROLLER} expires in`)]);

    const soon = await list(f.cluster, "?expiringWithin=30d");
    expect(soon.certificates.map((c) => c.name)).toEqual(["etcd/peer", "server"]);
    expect((await list(f.cluster, "?expiringWithin=12h")).certificates).toEqual([]);

    // The next inventory replaces each host's rows: renewed leaves, and a file that is gone is forgotten.
    relay.autoAnswer((step) => healthyResult(step, { certificates: { [CONTROLLER]: controllerPki(365).filter((c) => !c.path.endsWith("peer.crt")), [WORKER]: kubelet } }));
    const again = await finished(await start(f.cluster, "inventory"));
    expect(again.status, again.error ?? "").toBe("succeeded");
    const after = await list(f.cluster);
    expect(after.certificates.map((c) => c.name)).toEqual(["kubelet/kubelet-client-current", "server", "ca", "etcd/ca"]);
    expect((await list(f.cluster, "?expiringWithin=30d")).certificates).toEqual([]);

    expect(await auditOf(id)).toEqual([
      { actor: "bootstrap", action: "run.start", cluster: f.cluster, target: id, outcome: "ok" },
      { actor: "system", action: "run.finish", cluster: f.cluster, target: id, outcome: "ok" },
    ]);
    relay.close();

    // Forgetting the cluster forgets its inventory: a new cluster of that name starts with none.
    const deleted = await call("DELETE", `/v1/clusters/${f.cluster}`);
    expect(deleted.status, deleted.text).toBe(200);
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM certificates WHERE cluster = ?").bind(f.cluster).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("answers 400 naming expiringWithin for a duration it cannot read, and 404 for an unknown cluster", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    for (const bad of ["30", "30m", "1w", "-1d", "0d", "d"]) {
      const res = await call("GET", `/v1/clusters/${f.cluster}/certificates?expiringWithin=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(errorOf(res).details).toEqual([{ path: "expiringWithin", message: "must be a duration in days or hours, like 30d or 12h" }]);
    }
    const empty = await list(f.cluster);
    expect(empty.certificates).toEqual([]);
    expect(empty.warnings).toEqual([`no certificate inventory for cluster ${f.cluster} yet: run keel certs inventory ${f.cluster}`]);
    expect((await call("GET", "/v1/clusters/no-such-cluster/certificates")).status).toBe(404);
    const bad = await call("POST", `/v1/clusters/${f.cluster}/certificates/renew?workers=maybe`);
    expect(bad.status).toBe(400);
    expect(errorOf(bad).details?.[0]?.path).toBe("workers");
  });
});

describe("certificate renewal", () => {
  it("restarts the controller gated on health and checks its certificates, then the workers when asked", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11", "127.0.0.12"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step, { k0s: running, certificates: { [CONTROLLER]: controllerPki(10), [WORKER]: kubelet } }));

    const id = await start(f.cluster, "renew", "?workers=true");
    const run = await finished(id);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.phases.map((p) => p.name)).toContain("Renew controller certificates");
    const renewed = relay
      .stepRuns()
      .map((s) => s.step)
      .filter((s) => ["service.restart", "k0s.wait.ready", "k0s.etcd.health", "cert.check"].includes(s.kind))
      .map((s) => `${s.kind === "service.restart" ? s.service : s.kind}@${s.host.address}`);
    expect(renewed).toEqual([
      "k0scontroller@127.0.0.11",
      "k0s.wait.ready@127.0.0.11",
      "k0s.etcd.health@127.0.0.11",
      "cert.check@127.0.0.11",
      "k0sworker@127.0.0.12",
      "k0s.wait.ready@127.0.0.11",
    ]);
    const check = relay.stepRuns().find((s) => s.step.kind === "cert.check")?.step;
    expect(check?.kind === "cert.check" && check.before.map((b) => b.path)).toEqual(controllerPki(10).map((c) => c.path));
    const log = (await events(id)).events.map((e) => e.message);
    expect(log.some((m) => m.includes("CAs are not renewed"))).toBe(true);
    expect((await auditOf(id))[0]).toEqual({ actor: "bootstrap", action: "run.start", cluster: f.cluster, target: id, outcome: "ok" });
    const detail = await env.DB.prepare("SELECT details FROM audit_log WHERE target = ? AND action = 'run.start'").bind(id).first<{ details: string }>();
    expect(JSON.parse(detail?.details ?? "{}")).toMatchObject({ operation: "certs.renew" });
    relay.close();
  });

  it("refuses while a controller is down: the run fails naming it and restarts nothing", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11", "127.0.0.12"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step, { k0s: { ...running, [CONTROLLER]: { running: false, installedVersion: "v1.21.2+k0s.1" } } }));
    const run = await finished(await start(f.cluster, "renew"));
    expect(run.status).toBe("failed");
    expect(run.error).toContain(`controller ${CONTROLLER} is not running k0s`);
    expect(run.error).toContain("quorum");
    expect(relay.stepRuns().some((s) => s.step.kind === "service.restart")).toBe(false);
    relay.close();
  });
});
