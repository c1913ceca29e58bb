import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, errorOf } from "./helpers";
import type { RunState } from "../../worker/runs/run-state";
import { HOSTS, auditOf, events, finished, getRun, startFacts, controllerAndWorkers } from "./run-helpers";
import { clusterOnSite } from "./cluster-on-site";
import { RelaySocket, connectFailed, healthyResult, waitFor } from "./relay-socket";

describe("facts runs", () => {
  it("runs the three phases in order over a real relay socket and stores the facts", async () => {
    const f = await clusterOnSite(controllerAndWorkers());
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step, { hostname: { "127.0.0.12:22": "node-12.example.com" } }));

    const id = await startFacts(f.cluster);
    const run = await finished(id);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(run.error).toBeNull();
    expect(run.phases.map((p) => [p.name, p.status])).toEqual([
      ["Connect to hosts", "succeeded"],
      ["Detect host operating systems", "succeeded"],
      ["Gather host facts", "succeeded"],
    ]);
    for (const phase of run.phases) {
      expect(phase.hosts.map((h) => h.host).sort()).toEqual(HOSTS.map((h) => `${h}:22`));
      expect(phase.hosts.every((h) => h.status === "succeeded" && h.finishedAt !== null)).toBe(true);
    }

    // A phase's steps reach the relay only after every step of the previous phase finished.
    const kinds = relay.stepRuns().map((f) => f.step.kind);
    expect(kinds).toEqual([...Array(3).fill("host.connect"), ...Array(3).fill("host.os"), ...Array(3).fill("host.facts")]);
    expect(relay.stepRuns().map((f) => f.step.id)).toContain("connect:127.0.0.11:22");

    const rows = await env.DB.prepare("SELECT step_id, phase, kind, host, status FROM run_steps WHERE run_id = ? ORDER BY step_id").bind(id).all();
    expect(rows.results).toHaveLength(9);
    expect(rows.results.every((r) => r.status === "succeeded")).toBe(true);

    const log = (await events(id)).events;
    const messages = log.map((e) => e.message);
    const at = (text: string) => messages.indexOf(text);
    expect(at("==> Running phase: Connect to hosts")).toBeGreaterThanOrEqual(0);
    expect(at("==> Running phase: Connect to hosts")).toBeLessThan(at("==> Running phase: Detect host operating systems"));
    expect(at("==> Running phase: Detect host operating systems")).toBeLessThan(at("==> Running phase: Gather host facts"));
    expect(messages).toContain("[ssh] 127.0.0.11:22: connected");
    expect(messages).toContain("[ssh] 127.0.0.11:22: is running Debian GNU/Linux 12 (bookworm)");
    expect(messages).toContain("[ssh] 127.0.0.13:22: discovered eth0 as private interface");
    expect(messages).toContain("[ssh] 127.0.0.13:22: using 10.0.0.13 as private address");
    expect(at("[ssh] 127.0.0.11:22: connected")).toBeLessThan(at("==> Running phase: Detect host operating systems"));
    const connected = log.find((e) => e.message === "[ssh] 127.0.0.11:22: connected");
    expect(connected).toMatchObject({ type: "step.finished", phase: "Connect to hosts", host: "127.0.0.11:22", level: "info" });

    const warnings = log.filter((e) => e.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ host: "127.0.0.12:22", phase: "Gather host facts" });
    expect(warnings[0]?.message).toContain('"node-12.example.com" looks like a domain name');

    const row = await env.DB.prepare("SELECT facts FROM clusters WHERE name = ?").bind(f.cluster).first<{ facts: string }>();
    const facts = JSON.parse(row?.facts ?? "null") as Record<string, unknown>;
    expect(Object.keys(facts).sort()).toEqual(HOSTS.map((h) => `${h}:22`));
    expect(facts["127.0.0.11:22"]).toEqual({
      os: { id: "debian", version: "12", name: "Debian GNU/Linux 12 (bookworm)" },
      arch: "x86_64",
      hostname: "node-11",
      privateInterface: "eth0",
      privateAddress: "10.0.0.11",
    });

    expect(await auditOf(id)).toEqual([
      { actor: "bootstrap", action: "run.start", cluster: f.cluster, target: id, outcome: "ok" },
      { actor: "system", action: "run.finish", cluster: f.cluster, target: id, outcome: "ok" },
    ]);
    const relayRow = await env.DB.prepare("SELECT online, version FROM relays WHERE name = ?").bind(f.relay).first();
    expect(relayRow).toEqual({ online: 1, version: "0.1.0-test" });

    // Polling with ?after= returns only newer events.
    const tail = await events(id, log[log.length - 2]?.id ?? 0);
    expect(tail.events.map((e) => e.id)).toEqual([log[log.length - 1]?.id]);
    expect((await events(id, tail.next)).events).toEqual([]);
    relay.close();
  });

  it("fails the run naming the host and phase, keeps the other hosts' results, skips later phases", async () => {
    const f = await clusterOnSite(controllerAndWorkers());
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => (step.host.address === "127.0.0.13" ? connectFailed("127.0.0.13") : healthyResult(step)));

    const id = await startFacts(f.cluster);
    const run = await finished(id);
    expect(run.status).toBe("failed");
    expect(run.error).toBe("Connect to hosts: 127.0.0.13:22: connect_failed: dial tcp 127.0.0.13:22: connect: connection refused");
    expect(run.phases.map((p) => [p.name, p.status])).toEqual([
      ["Connect to hosts", "failed"],
      ["Detect host operating systems", "skipped"],
      ["Gather host facts", "skipped"],
    ]);
    const connect = run.phases[0]?.hosts ?? [];
    expect(connect.find((h) => h.host === "127.0.0.11:22")?.status).toBe("succeeded");
    expect(connect.find((h) => h.host === "127.0.0.12:22")?.status).toBe("succeeded");
    expect(connect.find((h) => h.host === "127.0.0.13:22")).toMatchObject({ status: "failed", error: expect.stringContaining("connect_failed") });
    expect(run.phases[1]?.hosts.every((h) => h.status === "skipped")).toBe(true);
    expect(relay.stepRuns().every((f) => f.step.kind === "host.connect")).toBe(true);

    const log = (await events(id)).events;
    expect(log.find((e) => e.level === "error" && e.host === "127.0.0.13:22")?.message).toBe(
      "[ssh] 127.0.0.13:22: connect_failed: dial tcp 127.0.0.13:22: connect: connection refused",
    );
    expect(log.filter((e) => e.type === "phase.skipped").map((e) => e.phase)).toEqual(["Detect host operating systems", "Gather host facts"]);
    expect(log[log.length - 1]).toMatchObject({ type: "run.finished", level: "error" });
    expect(await auditOf(id)).toContainEqual({ actor: "system", action: "run.finish", cluster: f.cluster, target: id, outcome: "failed" });
    relay.close();
  });

  it("answers 409 naming the active run while one runs, and frees the cluster when it ends", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    const id = await startFacts(f.cluster);
    await relay.next("the first step", (fr) => fr.type === "step.run");

    const second = await call("POST", `/v1/clusters/${f.cluster}/facts`);
    expect(second.status).toBe(409);
    expect(errorOf(second).code).toBe("conflict");
    expect(errorOf(second).message).toContain(id);
    const denied = await env.DB.prepare("SELECT actor, outcome FROM audit_log WHERE action = 'run.start' AND cluster = ? ORDER BY seq").bind(f.cluster).all();
    expect(denied.results).toEqual([{ actor: "bootstrap", outcome: "ok" }, { actor: "bootstrap", outcome: "failed" }]);

    relay.autoAnswer((step) => healthyResult(step));
    expect((await finished(id)).status).toBe("succeeded");
    const third = await startFacts(f.cluster);
    expect(third).not.toBe(id);
    expect((await finished(third)).status).toBe("succeeded");
    relay.close();
  });

  it("fails after RELAY_WAIT_SECONDS when no relay of the site is online", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11", "127.0.0.12"]));
    const id = await startFacts(f.cluster);
    await waitFor("waiting_for_relay", async () => (await getRun(id)).status === "waiting_for_relay");
    const run = await finished(id);
    expect(run.status).toBe("failed");
    expect(run.error).toBe(`no relay online for site "${f.site}" after 2s: start the site's relay and run again`);
    expect(run.phases.flatMap((p) => p.hosts).every((h) => h.status === "skipped")).toBe(true);
    const log = (await events(id)).events;
    expect(log.some((e) => e.type === "relay.waiting" && e.level === "warn")).toBe(true);
    expect(log[log.length - 1]?.message).toBe(`Run failed: no relay online for site "${f.site}" after 2s: start the site's relay and run again`);
  });

  it("starts as soon as a relay connects while the run waits", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    const id = await startFacts(f.cluster);
    await waitFor("waiting_for_relay", async () => (await getRun(id)).status === "waiting_for_relay");
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step));
    expect((await finished(id)).status).toBe("succeeded");
    relay.close();
  });

  it("re-sends in-flight steps when the relay reconnects", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11", "127.0.0.12"]));
    const first = await RelaySocket.connect(f.token, f.site);
    const id = await startFacts(f.cluster);
    await waitFor("both connect steps", () => first.stepRuns().length === 2);
    first.close();
    await waitFor("relay offline", async () => (await env.DB.prepare("SELECT online FROM relays WHERE name = ?").bind(f.relay).first<{ online: number }>())?.online === 0);

    const second = await RelaySocket.connect(f.token, f.site);
    second.autoAnswer((step) => healthyResult(step));
    expect((await finished(id)).status).toBe("succeeded");
    expect(second.stepRuns().filter((fr) => fr.step.kind === "host.connect").map((fr) => fr.step.id).sort()).toEqual(["connect:127.0.0.11:22", "connect:127.0.0.12:22"]);
    second.close();
  });

  it("keeps at most spec.options.concurrency.limit steps in flight", async () => {
    const f = await clusterOnSite(controllerAndWorkers(HOSTS, { concurrency: { limit: 1 } }));
    const relay = await RelaySocket.connect(f.token, f.site);
    const id = await startFacts(f.cluster);
    const first = await relay.next("a step.run", (fr) => fr.type === "step.run");
    // The object records a step as running before its frame leaves, and sends more only on a result.
    const statuses = await env.DB.prepare("SELECT status, COUNT(*) AS n FROM run_steps WHERE run_id = ? GROUP BY status ORDER BY status").bind(id).all();
    expect(statuses.results).toEqual([
      { status: "pending", n: 8 },
      { status: "running", n: 1 },
    ]);
    expect(relay.stepRuns()).toEqual([first]);
    relay.autoAnswer((step) => healthyResult(step));
    expect((await finished(id)).status).toBe("succeeded");
    expect(relay.stepRuns()).toHaveLength(9);
    relay.close();
  });

  it("fails a step the relay never answers once its timeout (plus grace) has passed, and cancels it on the relay", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    const id = await startFacts(f.cluster);
    await relay.next("step.run", (fr) => fr.type === "step.run");
    const cluster = env.CLUSTER.get(env.CLUSTER.idFromName(f.cluster));
    // Move the deadline instead of waiting a minute for it.
    await runInDurableObject(cluster, async (_object, state) => {
      const run = await state.storage.get<RunState>("run");
      if (!run) throw new Error("no active run in storage");
      for (const step of Object.values(run.steps)) if (step.status === "running") step.deadline = Date.now() - 1;
      await state.storage.put("run", run);
    });
    await runDurableObjectAlarm(cluster);
    const run = await finished(id);
    expect(run.status).toBe("failed");
    expect(run.error).toBe("Connect to hosts: 127.0.0.11:22: timeout: no result from the relay within 75s");
    expect(await relay.next("step.cancel", (fr) => fr.type === "step.cancel")).toEqual({ type: "step.cancel", runId: id, stepId: "connect:127.0.0.11:22" });
    relay.close();
  });

  it("resumes a run from Durable Object storage after the objects are evicted", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11", "127.0.0.12"]));
    const first = await RelaySocket.connect(f.token, f.site);
    const id = await startFacts(f.cluster);
    await waitFor("both connect steps", () => first.stepRuns().length === 2);
    await abortAllDurableObjects();
    first.close();

    const second = await RelaySocket.connect(f.token, f.site);
    second.autoAnswer((step) => healthyResult(step));
    const run = await finished(id);
    expect(run.status, run.error ?? "").toBe("succeeded");
    expect(second.stepRuns().filter((fr) => fr.step.kind === "host.connect")).toHaveLength(2);
    second.close();
  });

  it("treats a duplicate step.finished as harmless", async () => {
    const f = await clusterOnSite(controllerAndWorkers());
    const relay = await RelaySocket.connect(f.token, f.site);
    relay.autoAnswer((step) => healthyResult(step), { repeatFinished: 2 });
    const id = await startFacts(f.cluster);
    const run = await finished(id);
    expect(run.status).toBe("succeeded");
    const log = (await events(id)).events;
    expect(log.filter((e) => e.message.endsWith(": connected"))).toHaveLength(3);
    expect(log.filter((e) => e.type === "run.finished")).toHaveLength(1);
    expect(relay.frames.some((fr) => fr.type === "error")).toBe(false);
    relay.close();
  });

  it("rejects a step result from a relay the step was not sent to", async () => {
    const f = await clusterOnSite(controllerAndWorkers(["127.0.0.11"]));
    const relay = await RelaySocket.connect(f.token, f.site);
    const id = await startFacts(f.cluster);
    const run = await relay.next("step.run", (fr) => fr.type === "step.run");
    if (run.type !== "step.run") throw new Error("unreachable");

    const other = await clusterOnSite(controllerAndWorkers(["127.0.0.21"]));
    const intruder = await RelaySocket.connect(other.token, other.site);
    intruder.send({ type: "step.finished", cluster: f.cluster, runId: id, stepId: run.step.id, result: connectFailed("127.0.0.11") });
    // The intruder is another site's relay: refused before the cluster object hears of it (F11).
    const error = await intruder.next("forbidden", (fr) => fr.type === "error");
    expect(error).toMatchObject({ type: "error", code: "forbidden" });
    expect((await getRun(id)).phases[0]?.hosts[0]?.status).toBe("running");

    relay.autoAnswer((step) => healthyResult(step));
    expect((await finished(id)).status).toBe("succeeded");
    relay.close();
    intruder.close();
  });
});
