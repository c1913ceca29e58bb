import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { RunEventsPage } from "../../schema/run-api";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import { call } from "./helpers";
import { sshHost, type ClusterOnSite } from "./cluster-on-site";
import { finished, startRun } from "./run-helpers";
import { RelaySocket, healthyResult, type HealthyOverrides } from "./relay-socket";

export const VERSION = "1.21.2+k0s.1";
export const ADDRESSES = ["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14", "127.0.0.15"];
export const ROLES = ["controller+worker", "controller+worker", "controller+worker", "worker", "worker"] as const;
export const GATHER = ["Connect to hosts", "Detect host operating systems", "Gather host facts", "Gather k0s facts"];
export const TOKEN = "K10-join-token-5f2b9c0e-never-store-me";
export const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.11:6443\n  name: k0s-cluster\nusers:\n- name: admin\n  user:\n    client-key-data: S0VFTC1LVUJFQ09ORklHLVNFQ1JFVA==\n";

/** The seed article's 2.1 topology (three controller+worker, two workers) on simulated hosts; `firstHost` adds fields to the first. */
export function seed21Spec(firstHost: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hosts: ADDRESSES.map((address, i) => sshHost(address, ROLES[i] ?? "worker", i === 0 ? firstHost : {})),
    k0s: {
      version: VERSION,
      config: {
        apiVersion: "k0s.k0sproject.io/v1beta1",
        kind: "Cluster",
        metadata: { name: "k0s" },
        spec: {
          api: { address: "127.0.0.11", port: 6443, k0sApiPort: 9443, sans: ["127.0.0.11", "127.0.0.12", "127.0.0.13"] },
          storage: { type: "etcd", etcd: { peerAddress: "127.0.0.11" } },
          network: { kubeProxy: { disabled: false, mode: "ipvs" } },
        },
      },
    },
  };
}

/** What "Gather k0s facts" finds once the cluster runs VERSION in the spec's roles. */
export function installedK0s(): Record<string, K0sFactsReport> {
  return Object.fromEntries(
    ADDRESSES.map((a, i) => {
      const n = a.split(".").pop();
      return [`${a}:22`, { installedVersion: `v${VERSION}`, running: true, role: ROLES[i], configSha256: "c".repeat(64), nodeName: `node-${n}`, arch: "amd64" }];
    }),
  );
}

export const startApply = (cluster: string, query = "") => startRun(cluster, "apply", query);

export async function messages(id: string): Promise<string[]> {
  const res = await call("GET", `/v1/runs/${id}/events?limit=1000`);
  expect(res.status, res.text).toBe(200);
  return RunEventsPage.parse(res.json).events.map((e) => e.message);
}

export async function storedPlan(id: string): Promise<{ name: string; steps: { id: string }[]; barriers?: number[] }[]> {
  const row = await env.DB.prepare("SELECT plan FROM runs WHERE id = ?").bind(id).first<{ plan: string }>();
  return (JSON.parse(row?.plan ?? "{}") as { phases: { name: string; steps: { id: string }[]; barriers?: number[] }[] }).phases;
}

export async function clusterRow(name: string) {
  return env.DB.prepare("SELECT applied_revision AS appliedRevision, current_revision AS currentRevision, facts FROM clusters WHERE name = ?")
    .bind(name)
    .first<{ appliedRevision: number | null; currentRevision: number; facts: string | null }>();
}

/** Applies the fresh cluster with an instantly answering relay; returns the run id. */
export async function applyFresh(f: ClusterOnSite, relay: RelaySocket, overrides: HealthyOverrides = {}): Promise<string> {
  relay.autoAnswer((step) => healthyResult(step, overrides));
  const id = await startApply(f.cluster);
  const run = await finished(id);
  expect(run.status, run.error ?? "").toBe("succeeded");
  return id;
}
