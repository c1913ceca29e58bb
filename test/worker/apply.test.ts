import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CreatedRelay } from "../../schema/api";
import { CancelRunResponse, DryRunResponse, RunEventsPage, RunStreamEnd } from "../../schema/run-api";
import type { Step, StepResult } from "../../schema/steps";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import { call, dumpDatabase, errorOf, jsonBody, uniqueName } from "./helpers";
import { finished, startRun } from "./run-helpers";
import { RelaySocket, healthyResult, waitFor, type HealthyOverrides, type StepRun } from "./relay-socket";

const VERSION = "1.21.2+k0s.1";
const ADDRESSES = ["127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14", "127.0.0.15"];
const ROLES = ["controller+worker", "controller+worker", "controller+worker", "worker", "worker"] as const;
const GATHER = ["Connect to hosts", "Detect host operating systems", "Gather host facts", "Gather k0s facts"];
const TOKEN = "K10-join-token-5f2b9c0e-never-store-me";
const KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://127.0.0.11:6443\n  name: k0s-cluster\nusers:\n- name: admin\n  user:\n    client-key-data: S0VFTC1LVUJFQ09ORklHLVNFQ1JFVA==\n";

interface Fixture {
  cluster: string;
  site: string;
  relay: string;
  token: string;
}

/** The seed article's 2.1 topology (three controller+worker, two workers) on simulated hosts, with its own site and relay. */
async function fixture(extraHost: Record<string, unknown> = {}): Promise<Fixture> {
  const site = uniqueName("site");
  const cluster = uniqueName("apply");
  const spec = {
    apiVersion: "k0sctl.k0sproject.io/v1beta1",
    kind: "Cluster",
    metadata: { name: cluster },
    spec: {
      hosts: ADDRESSES.map((address, i) => ({ ssh: { address, user: "root", port: 22, keyPath: "/etc/keel-relay/id_ed25519" }, role: ROLES[i], ...(i === 0 ? extraHost : {}) })),
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
    },
  };
  const created = await call("POST", "/v1/clusters", jsonBody({ site, spec }));
  expect(created.status, created.text).toBe(201);
  const relay = await call("POST", "/v1/relays", jsonBody({ name: uniqueName("relay"), site }));
  expect(relay.status, relay.text).toBe(201);
  const { name, token } = CreatedRelay.parse(relay.json);
  return { cluster, site, relay: name, token };
}

/** What "Gather k0s facts" finds once the cluster runs VERSION in the spec's roles. */
function installedK0s(): Record<string, K0sFactsReport> {
  return Object.fromEntries(
    ADDRESSES.map((a, i) => {
      const n = a.split(".").pop();
      return [`${a}:22`, { installedVersion: `v${VERSION}`, running: true, role: ROLES[i], configSha256: "c".repeat(64), nodeName: `node-${n}`, arch: "amd64" }];
    }),
  );
}

const startApply = (cluster: string, query = "") => startRun(cluster, "apply", query);

async function messages(id: string): Promise<string[]> {
  const res = await call("GET", `/v1/runs/${id}/events?limit=1000`);
  expect(res.status, res.text).toBe(200);
  return RunEventsPage.parse(res.json).events.map((e) => e.message);
}

async function storedPlan(id: string): Promise<{ name: string; steps: { id: string }[]; barriers?: number[] }[]> {
  const row = await env.DB.prepare("SELECT plan FROM runs WHERE id = ?").bind(id).first<{ plan: string }>();
  return (JSON.parse(row?.plan ?? "{}") as { phases: { name: string; steps: { id: string }[]; barriers?: number[] }[] }).phases;
}

async function clusterRow(name: string) {
  return env.DB.prepare("SELECT applied_revision AS appliedRevision, current_revision AS currentRevision, facts FROM clusters WHERE name = ?")
    .bind(name)
    .first<{ appliedRevision: number | null; currentRevision: number; facts: string | null }>();
}

/** Applies the fresh cluster with an instantly answering relay; returns the run id. */
async function applyFresh(f: Fixture, relay: RelaySocket, overrides: HealthyOverrides = {}): Promise<string> {
  relay.autoAnswer((step) => healthyResult(step, overrides));
  const id = await startApply(f.cluster);
  const run = await finished(id);
  expect(run.status, run.error ?? "").toBe("succeeded");
  return id;
}

describe("apply runs", { timeout: 60_000 }, () => {
  it("applies a fresh 2.1 cluster: gather, plan, every phase in order, batches one after another", async () => {
    const f = await fixture();
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step, { secretStdout: TOKEN }), { delayMs: 3 });
    const id = await startApply(f.cluster, "?timeout=90");
    const run = await finished(id);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.operation).toBe("apply");
    expect(run.phases.map((p) => [p.name, p.status])).toEqual(
      [
        ...GATHER,
        "Stage k0s binaries on hosts",
        "Install k0s binaries on hosts",
        "Configure k0s",
        "Initialize the k0s cluster",
        "Install controllers",
        "Install workers",
        "Disconnect from hosts",
      ].map((name) => [name, "succeeded"]),
    );

    // Phases in order, and inside each phase a batch only after the one before was answered.
    const phases = await storedPlan(id);
    const where = new Map<string, { phase: number; batch: number }>();
    phases.forEach((p, i) => {
      const bounds = [...(p.barriers ?? []), Infinity];
      p.steps.forEach((s, j) => where.set(s.id, { phase: i, batch: bounds.findIndex((b) => j < b) }));
    });
    expect(phases.find((p) => p.name === "Install controllers")?.barriers?.length).toBeGreaterThan(3);
    expect(relay.arrivals).toHaveLength(where.size);
    for (const arrival of relay.arrivals) {
      const at = where.get(arrival.id);
      if (!at) throw new Error(`step ${arrival.id} is not in the plan`);
      for (const [other, o] of where) {
        const earlier = o.phase < at.phase || (o.phase === at.phase && o.batch < at.batch);
        if (earlier) expect(arrival.answeredBefore.has(other), `${arrival.id} was sent before ${other} finished`).toBe(true);
      }
    }

    // The request's timeout reached every readiness wait.
    const waits = relay.stepRuns().filter((fr) => fr.step.kind === "k0s.wait.ready");
    expect(waits.length).toBe(5);
    expect(waits.every((fr) => fr.step.timeoutMs === 90_000)).toBe(true);
    const tokenCreate = relay.stepRuns().find((fr) => fr.step.id === "token-create:127.0.0.14:22");
    expect(tokenCreate?.step).toMatchObject({ kind: "k0s.token.create", host: { address: "127.0.0.11" }, role: "worker" });

    const cluster = await clusterRow(f.cluster);
    expect(cluster?.appliedRevision).toBe(cluster?.currentRevision);
    const facts = JSON.parse(cluster?.facts ?? "{}") as Record<string, { hostname?: string; k0s?: K0sFactsReport }>;
    expect(facts["127.0.0.14:22"]).toMatchObject({ hostname: "node-14", k0s: { running: true, installedVersion: "v1.21.2+k0s.1", role: "worker", nodeName: "node-14" } });
    expect(facts["127.0.0.11:22"]?.k0s).toMatchObject({ running: true, role: "controller+worker" });

    const log = await messages(id);
    expect(log).toContain("[ssh] 127.0.0.14:22: does not have k0s installed");
    expect(log).toContain("[ssh] 127.0.0.14:22: installing k0s worker");
    expect(log).toContain("[ssh] 127.0.0.11:22: installing k0s controller (with worker)");
    expect(log).toContain("[ssh] 127.0.0.11:22: waiting for node node-14 to become Ready: Ready");
    expect(log).toContain("[ssh] 127.0.0.11:22: created a worker join token valid for 10m0s");
    expect(log.some((m) => m.startsWith("Planned 7 phases"))).toBe(true);
    expect(log.indexOf("==> Running phase: Gather k0s facts")).toBeLessThan(log.indexOf("==> Running phase: Stage k0s binaries on hosts"));

    const audit = await env.DB.prepare("SELECT actor, action, outcome FROM audit_log WHERE target = ? ORDER BY seq").bind(id).all();
    expect(audit.results).toEqual([
      { actor: "bootstrap", action: "run.start", outcome: "ok" },
      { actor: "system", action: "run.finish", outcome: "ok" },
    ]);

    // The relay printed the join token on stdout: no table holds it.
    expect(await dumpDatabase()).not.toContain(TOKEN);
    relay.close();
  });

  it("re-applies an unchanged, running cluster with nothing but gather and disconnect", async () => {
    const f = await fixture();
    const relay = await RelaySocket.connect(f.token, f.site);
    await applyFresh(f, relay);
    const before = relay.stepRuns().length;

    relay.autoAnswer((step) => healthyResult(step, { k0s: installedK0s() }));
    const id = await startApply(f.cluster);
    const run = await finished(id);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.phases.map((p) => p.name)).toEqual([...GATHER, "Disconnect from hosts"]);
    const kinds = new Set(relay.stepRuns().slice(before).map((fr) => fr.step.kind));
    expect([...kinds].sort()).toEqual(["host.connect", "host.disconnect", "host.facts", "host.os", "k0s.facts"]);
    expect(await messages(id)).toContain("[ssh] 127.0.0.12:22: is running k0s controller+worker version v1.21.2+k0s.1");
    relay.close();
  });

  it("fails on a failed install naming host, phase, command and stderr, and cleans up what it left half-done", async () => {
    const f = await fixture();
    const relay = await RelaySocket.connect(f.token, f.site);
    const broken: StepResult = {
      ok: false,
      exitCode: 1,
      stdout: "",
      stderr: "time=\"2021-07-01\" level=info msg=\"Installing k0s service\"\nError: failed to install k0s service: exit status 1",
      command: "/usr/local/bin/k0s install worker --data-dir=/var/lib/k0s --token-file=/etc/k0s/k0stoken",
      durationMs: 40,
    };
    relay.autoAnswer((step) => (step.id === "install:127.0.0.14:22" ? broken : healthyResult(step)));
    const id = await startApply(f.cluster);
    const run = await finished(id);
    expect(run.status).toBe("failed");
    expect(run.error).toContain("Install workers: 127.0.0.14:22: command_failed: exit 1: Error: failed to install k0s service: exit status 1");
    expect(run.error).toContain("command: /usr/local/bin/k0s install worker");

    const sent = relay.stepRuns().map((fr) => fr.step.id);
    // The other worker of the batch had installed and started nothing else: both are reset, both tokens invalidated.
    for (const n of [14, 15]) {
      expect(sent).toContain(`cleanup-token-invalidate:127.0.0.${n}:22`);
      expect(sent).toContain(`cleanup-stop:127.0.0.${n}:22`);
      expect(sent).toContain(`cleanup-reset:127.0.0.${n}:22`);
      expect(sent.indexOf(`cleanup-stop:127.0.0.${n}:22`)).toBeLessThan(sent.indexOf(`cleanup-reset:127.0.0.${n}:22`));
    }
    expect(sent).not.toContain("start:127.0.0.15:22");
    expect(sent.some((s) => s.includes("127.0.0.12:22") && s.startsWith("cleanup"))).toBe(false);
    expect(sent).not.toContain("disconnect:127.0.0.11:22");

    expect(run.phases.map((p) => [p.name, p.status]).slice(-3)).toEqual([
      ["Install workers", "failed"],
      ["Disconnect from hosts", "skipped"],
      ["Clean up after the failure", "succeeded"],
    ]);
    const log = await messages(id);
    expect(log).toContain("Run failed: running 6 cleanup steps on 127.0.0.11:22, 127.0.0.14:22, 127.0.0.15:22 (best effort)");
    expect(log.indexOf("==> Skipped phase: Disconnect from hosts")).toBeGreaterThan(0);
    expect(log[log.length - 1]).toBe(`Run failed: ${run.error}`);
    expect((await clusterRow(f.cluster))?.appliedRevision).toBeNull();
    const stderr = run.phases.find((p) => p.name === "Install workers")?.hosts.find((h) => h.stepId === "install:127.0.0.14:22")?.stderr;
    expect(stderr).toContain("failed to install k0s service");
    relay.close();
  });

  it("refuses, before any step, to run spec hooks through a relay whose policy forbids them", async () => {
    const f = await fixture({ hooks: { apply: { before: ["echo about to apply"] } } });
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step));
    const id = await startApply(f.cluster);
    const run = await finished(id);
    expect(run.status).toBe("failed");
    expect(run.error).toContain("spec.hosts[0].hooks.apply.before");
    expect(run.error).toContain(`relay ${f.relay} does not allow hooks (its policy says allowHooks: false)`);
    expect(relay.stepRuns()).toEqual([]);
    expect(run.phases.every((p) => p.status === "skipped")).toBe(true);
    relay.close();

    // The same spec through a relay that allows hooks runs them.
    const allowing = await RelaySocket.connect(f.token, f.site, { allowHooks: true });
    allowing.autoAnswer((step) => healthyResult(step));
    const second = await finished(await startApply(f.cluster));
    expect(second.status, second.error ?? "").toBe("succeeded");
    expect(allowing.stepRuns().find((fr) => fr.step.kind === "hook.run")?.step).toMatchObject({ id: "hook:apply.before:127.0.0.11:22", lines: ["echo about to apply"] });
    allowing.close();
  });

  it("cancels: waits for the step in flight, aborts only waits, cleans up, ends cancelled", async () => {
    const f = await fixture();
    const relay = await RelaySocket.connect(f.token, f.site);
    // Everything answers except the leader's /readyz wait, which hangs.
    relay.autoAnswer((step) => (step.id === "readyz:127.0.0.11:22" ? null : healthyResult(step)));
    const id = await startApply(f.cluster);
    const held = (await relay.next("the leader's readyz", (fr) => fr.type === "step.run" && fr.step.id === "readyz:127.0.0.11:22")) as StepRun;

    const res = await call("POST", `/v1/runs/${id}/cancel`);
    expect(res.status, res.text).toBe(202);
    expect(CancelRunResponse.parse(res.json).run.id).toBe(id);
    expect(await relay.next("step.cancel", (fr) => fr.type === "step.cancel")).toEqual({ type: "step.cancel", runId: id, stepId: "readyz:127.0.0.11:22" });
    relay.finish(held, { ok: false, exitCode: null, stdout: "", stderr: "", durationMs: 5, error: { code: "cancelled", message: "cancelled by the API" } });

    const run = await finished(id);
    expect(run.status).toBe("cancelled");
    expect(run.error).toBe("cancelled by bootstrap");
    const sent = relay.stepRuns().map((fr) => fr.step.id);
    expect(sent.slice(-2)).toEqual(["cleanup-stop:127.0.0.11:22", "cleanup-reset:127.0.0.11:22"]);
    expect(sent).not.toContain("token-create:127.0.0.12:22");
    const log = await messages(id);
    expect(log).toContain("Cancel requested by bootstrap: aborting 1 wait");
    expect(log[log.length - 1]).toBe("Run cancelled: cancelled by bootstrap");
    const audit = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE target = ? ORDER BY seq").bind(id).all();
    expect(audit.results).toEqual([
      { action: "run.start", outcome: "ok" },
      { action: "run.cancel", outcome: "ok" },
      { action: "run.finish", outcome: "failed" },
    ]);

    const again = await call("POST", `/v1/runs/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(errorOf(again).message).toContain("already finished (cancelled)");
    expect((await call("POST", "/v1/runs/run_nope/cancel")).status).toBe(404);
    relay.close();
  });

  it("fails the run with the planner's errors when the gathered facts cannot be planned (a downgrade)", async () => {
    const f = await fixture();
    const relay = await RelaySocket.connect(f.token, f.site);
    const newer = installedK0s();
    const first = newer["127.0.0.13:22"];
    if (first) first.installedVersion = "v1.22.4+k0s.0";
    relay.autoAnswer((step) => healthyResult(step, { k0s: newer }));
    const run = await finished(await startApply(f.cluster));
    expect(run.status).toBe("failed");
    expect(run.error).toContain("cannot plan the apply: spec.k0s.version: 127.0.0.13:22 has k0s v1.22.4+k0s.0, newer than v1.21.2+k0s.1: downgrades are not supported");
    expect(run.phases.map((p) => p.name)).toEqual(GATHER);
    relay.close();
  });
});

describe("apply dry run", { timeout: 60_000 }, () => {
  it("plans from the stored facts, starts no run, touches no host, and is audited", async () => {
    const f = await fixture();
    const relay = await RelaySocket.connect(f.token, f.site);
    const res = await call("POST", `/v1/clusters/${f.cluster}/apply?dryRun=true`);
    expect(res.status, res.text).toBe(200);
    const body = DryRunResponse.parse(res.json);
    expect(body.plan.phases.map((p) => p.name).slice(0, 5)).toEqual([...GATHER, "Stage k0s binaries on hosts"]);
    expect(body.plan.phases.find((p) => p.name === "Install workers")?.steps.find((s) => s.id === "install:127.0.0.14:22")).toEqual({ id: "install:127.0.0.14:22", kind: "k0s.install", host: "127.0.0.14:22" });
    expect(body.changes.hostsAdded).toHaveLength(5);
    expect(body.changes.actions["127.0.0.11:22"]).toBe("install");
    expect(body.warnings[0]).toContain("no k0s facts are stored for this cluster yet");
    const runs = await env.DB.prepare("SELECT COUNT(*) AS n FROM runs WHERE cluster = ?").bind(f.cluster).first<{ n: number }>();
    expect(runs?.n).toBe(0);
    expect(relay.stepRuns()).toEqual([]);
    const audit = await env.DB.prepare("SELECT action, outcome FROM audit_log WHERE cluster = ? ORDER BY seq DESC LIMIT 1").bind(f.cluster).first();
    expect(audit).toEqual({ action: "cluster.apply.dry_run", outcome: "ok" });

    // After an apply, the stored facts say the cluster runs: nothing left to do but disconnect.
    await applyFresh(f, relay);
    const after = DryRunResponse.parse((await call("POST", `/v1/clusters/${f.cluster}/apply?dryRun=true`)).json);
    expect(after.plan.phases.map((p) => p.name)).not.toContain("Install workers");
    expect(after.plan.phases.map((p) => p.name)).not.toContain("Initialize the k0s cluster");
    expect(Object.values(after.changes.actions)).toEqual(Array(5).fill("keep"));
    expect(after.warnings).toEqual([]);
    relay.close();
  });

  it("answers 422 with the planner's errors, 404 for an unknown cluster, 400 for a bad query", async () => {
    expect((await call("POST", "/v1/clusters/no-such-cluster/apply?dryRun=true")).status).toBe(404);
    const f = await fixture();
    expect((await call("POST", `/v1/clusters/${f.cluster}/apply?dryRun=maybe`)).status).toBe(400);
    expect((await call("POST", `/v1/clusters/${f.cluster}/apply?timeout=0`)).status).toBe(400);
  });
});

describe("GET /v1/runs/:id/events?follow=true", { timeout: 60_000 }, () => {
  it("streams the run's events as server-sent events and ends with the run's status", async () => {
    const f = await fixture();
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step), { delayMs: 2 });
    const id = await startApply(f.cluster);
    const res = await call("GET", `/v1/runs/${id}/events?follow=true`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const blocks = res.text.split("\n\n").filter((b) => b.trim() !== "");
    const events = blocks.filter((b) => b.includes("event: run-event"));
    const ids = events.map((b) => Number(/^id: (\d+)$/m.exec(b)?.[1]));
    expect(ids.length).toBeGreaterThan(50);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(events.some((b) => b.includes("==> Running phase: Install workers"))).toBe(true);
    const last = blocks[blocks.length - 1] ?? "";
    expect(last.startsWith("event: end\ndata: ")).toBe(true);
    expect(RunStreamEnd.parse(JSON.parse(last.slice("event: end\ndata: ".length)))).toMatchObject({ status: "succeeded", error: null, durationMs: expect.any(Number) });

    // Resuming with Last-Event-ID sends only what came after it.
    const from = ids[ids.length - 3] ?? 0;
    const resumed = await call("GET", `/v1/runs/${id}/events?follow=true`, { headers: { "Last-Event-ID": String(from) } });
    expect([...resumed.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual(ids.slice(-2));
    expect(resumed.text).toContain("event: end");
    expect((await call("GET", "/v1/runs/run_nope/events?follow=true")).status).toBe(404);
    relay.close();
  });
});

describe("GET /v1/clusters/:name/kubeconfig", { timeout: 60_000 }, () => {
  it("returns the leader's admin kubeconfig through the relay, stores it nowhere, and audits it", async () => {
    const f = await fixture();
    const relay = await RelaySocket.connect(f.token, f.site);
    await applyFresh(f, relay, { secretStdout: KUBECONFIG });
    const res = await call("GET", `/v1/clusters/${f.cluster}/kubeconfig`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/yaml");
    expect(res.text).toBe(KUBECONFIG);
    const step = relay.stepRuns().find((fr) => fr.step.kind === "k0s.kubeconfig.admin")?.step as Extract<Step, { kind: "k0s.kubeconfig.admin" }> | undefined;
    expect(step).toMatchObject({ host: { address: "127.0.0.11" }, server: "https://127.0.0.11:6443", installPath: "/usr/local/bin/k0s", dataDir: "/var/lib/k0s" });

    expect(await dumpDatabase()).not.toContain("S0VFTC1LVUJFQ09ORklHLVNFQ1JFVA==");
    const audit = await env.DB.prepare("SELECT actor, action, outcome, details FROM audit_log WHERE cluster = ? ORDER BY seq DESC LIMIT 1").bind(f.cluster).first<{ details: string }>();
    expect(audit).toMatchObject({ actor: "bootstrap", action: "cluster.kubeconfig", outcome: "ok" });
    expect(JSON.parse(audit?.details ?? "{}")).toEqual({ leader: "127.0.0.11:22", relay: f.relay });

    relay.close();
    await waitFor("relay offline", async () => (await env.DB.prepare("SELECT online FROM relays WHERE name = ?").bind(f.relay).first<{ online: number }>())?.online === 0);
    const offline = await call("GET", `/v1/clusters/${f.cluster}/kubeconfig`);
    expect(offline.status).toBe(503);
    expect(errorOf(offline).code).toBe("relay_unavailable");
  });

  it("answers 409 before any apply found a running controller", async () => {
    const f = await fixture();
    const res = await call("GET", `/v1/clusters/${f.cluster}/kubeconfig`);
    expect(res.status).toBe(409);
    expect(errorOf(res).message).toContain("no running controller is known");
  });
});
