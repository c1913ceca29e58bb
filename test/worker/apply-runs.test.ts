import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CancelRunResponse } from "../../schema/run-api";
import type { StepResult } from "../../schema/steps";
import type { K0sFactsReport } from "../../schema/steps-k0s";
import { call, dumpDatabase, errorOf } from "./helpers";
import { finished } from "./run-helpers";
import { RelaySocket, healthyResult, type StepRun } from "./relay-socket";
import { GATHER, TOKEN, applyFresh, clusterRow, installedK0s, messages, startApply, storedPlan, seed21Spec } from "./apply-helpers";
import { clusterOnSite } from "./cluster-on-site";

describe("apply runs", { timeout: 60_000 }, () => {
  it("applies a fresh 2.1 cluster: gather, plan, every phase in order, batches one after another", async () => {
    const f = await clusterOnSite(seed21Spec());
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
    const f = await clusterOnSite(seed21Spec());
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
    const f = await clusterOnSite(seed21Spec());
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
    const f = await clusterOnSite(seed21Spec({ hooks: { apply: { before: ["echo about to apply"] } } }));
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
    const f = await clusterOnSite(seed21Spec());
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
    const f = await clusterOnSite(seed21Spec());
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
