import { describe, expect, it } from "vitest";
import { transition } from "../../worker/runs/run-transitions";
import { host, seedHosts, spec } from "../planner/fixtures";
import { EngineHarness, RELAY, inputs, ok, succeedAll, type Answer } from "./engine-harness";

const twoHosts = () => spec([host(11, "controller"), host(12, "worker")]);

describe("the run engine's transitions (pure)", () => {
  it("runs a facts run phase by phase on one relay, then records the facts and the ending for the mirror", () => {
    const h = new EngineHarness(inputs(twoHosts()));
    h.start("facts");
    expect(h.state.status).toBe("running");
    expect(h.inbox.map((s) => s.kind)).toEqual(["host.connect", "host.connect"]);
    h.run();
    expect(h.state.status).toBe("succeeded");
    expect(h.sent.map((s) => s.kind)).toEqual(["host.connect", "host.connect", "host.os", "host.os", "host.facts", "host.facts"]);
    expect(h.state.outbox.cluster?.facts?.["10.0.0.12:22"]).toMatchObject({ hostname: "node-12" });
    expect(h.state.outbox.cluster?.applied).toBeNull();
    expect(h.state.outbox.audit.map((a) => `${a.action}:${a.outcome}`)).toEqual(["run.start:ok", "run.finish:ok"]);
    const seqs = h.state.outbox.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(h.events()).toContain("==> Running phase: Detect host operating systems");
  });

  it("never changes the state it was given", () => {
    const h = new EngineHarness(inputs(twoHosts()));
    h.start("facts");
    const before = structuredClone(h.state);
    const step = h.inbox[0];
    if (!step) throw new Error("no step");
    transition(h.state, { type: "step.finished", stepId: step.id, relay: RELAY.name, result: ok() }, h.ctx());
    expect(h.state).toEqual(before);
  });

  it("plans an apply from its gathered facts and the inputs it started with, and marks the revision applied", () => {
    const h = new EngineHarness(inputs(spec(seedHosts())));
    h.start("apply");
    h.run();
    expect(h.state.status).toBe("succeeded");
    expect(h.count("k0s.install")).toBe(5);
    expect(h.count("k0s.token.create")).toBe(4);
    expect(h.state.outbox.cluster?.applied).toEqual({ revision: 1 });
    expect(h.state.outbox.cluster?.facts?.["10.0.0.14:22"]?.k0s).toMatchObject({ running: true, role: "worker" });
    expect(h.events().some((m) => m.startsWith("Planned "))).toBe(true);
  });

  it("fails an apply the planner refuses, with the refusal as the run's error", () => {
    const h = new EngineHarness(inputs(spec(seedHosts())));
    h.start("apply");
    const newer: Answer = (step) => (step.kind === "k0s.facts" ? ok({ k0s: { running: true, installedVersion: "v1.30.0+k0s.0", role: "controller" } }) : succeedAll(step));
    h.run(newer);
    expect(h.state.status).toBe("failed");
    expect(h.state.error).toMatch(/cannot plan the apply: .*downgrade/i);
    expect(h.count("k0s.install")).toBe(0);
  });

  it("refuses to plan with a gathered host name Kubernetes would not accept, before installing anything (F1)", () => {
    const h = new EngineHarness(inputs(spec(seedHosts())));
    h.start("apply");
    const underscore: Answer = (step) => (step.kind === "host.facts" && step.host.address === "10.0.0.14" ? ok({ facts: { arch: "x86_64", hostname: "my_host" } }) : succeedAll(step));
    h.run(underscore);
    expect(h.state.status).toBe("failed");
    expect(h.state.error).toMatch(/spec.hosts\[3\].hostname: 10.0.0.14:22: the host's name "my_host" is not a valid Kubernetes node name/);
    expect(h.count("k0s.install")).toBe(0);
  });

  it("fails a step it cannot send at once instead of counting it as sent (F1)", () => {
    const h = new EngineHarness(inputs(twoHosts()));
    h.start("facts");
    // A step that would not parse as a frame (here: one corrupted in the plan) never leaves.
    const facts = h.state.plan.phases[2]?.steps;
    if (!facts?.[0]) throw new Error("no facts step");
    facts[0] = { ...facts[0], privateInterface: "not an interface name!" } as never;
    h.run();
    expect(h.state.status).toBe("failed");
    expect(h.state.error).toMatch(/Gather host facts: 10.0.0.11:22: invalid_step: keel planned a step it cannot send: facts:10.0.0.11:22: privateInterface/);
    expect(h.sent.some((s) => s.id === "facts:10.0.0.11:22")).toBe(false);
  });

  it("puts steps that could not be delivered back, waits for a relay, and fails naming it when none comes", () => {
    const h = new EngineHarness(inputs(twoHosts()));
    h.start("facts");
    h.run((step) => (step.kind === "host.connect" ? ok() : null));
    h.inbox = [];
    h.deliverable = false;
    h.relay = null;
    h.now += 11_000;
    h.input({ type: "alarm" });
    expect(h.state.status).toBe("waiting_for_relay");
    h.now += 60_000;
    h.input({ type: "alarm" });
    expect(h.state.status).toBe("failed");
    // The steps in flight time out first: their error names the relay that went away.
    expect(h.state.error).toMatch(/timeout: no result within 45s: relay dc1-relay of site "dc1" is offline/);
    expect(Object.values(h.state.steps).some((s) => s.status === "running" || s.status === "pending")).toBe(false);
  });

  it("fails naming the relay when it stays offline longer than the relay wait", () => {
    const h = new EngineHarness(inputs(twoHosts()));
    h.relay = null;
    h.start("facts");
    expect(h.state.status).toBe("waiting_for_relay");
    h.now += 60_000;
    h.input({ type: "alarm" });
    expect(h.state.status).toBe("failed");
    expect(h.state.error).toBe(`no relay online for site "dc1" after 60s: start the site's relay and run again`);
  });

  it("leaves the cleanup it could not do (no relay) to the cluster's next run, which does it first, best effort", () => {
    const h = new EngineHarness(inputs(spec(seedHosts())));
    h.start("apply");
    // Everything up to the first controller join, whose join token is created; then the relay is gone for good.
    h.run((step) => (step.kind === "k0s.install" && step.tokenSecret ? null : succeedAll(step)));
    expect(h.count("k0s.token.create")).toBeGreaterThan(0);
    h.relay = null;
    h.inbox = [];
    h.input({ type: "relay.available" });
    h.now += 60_000 + 15_000 + 10 * 60_000;
    h.input({ type: "alarm" });
    expect(h.state.status).toBe("failed");
    expect(h.state.error).toMatch(/runs first in the cluster's next run/);
    const owed = h.state.owedCleanup;
    if (!owed) throw new Error("no cleanup left for the next run");
    const invalidate = owed.phase.steps.find((st) => st.kind === "k0s.token.invalidate");
    expect(invalidate).toMatchObject({ secretRun: "run_test", id: expect.stringMatching(/^owed:run_test:/) });

    const next = new EngineHarness(inputs(spec(seedHosts())));
    next.start("facts", {}, owed, "run_next");
    expect(next.state.plan.phases[0]?.name).toBe("Clean up after run run_test");
    // A cleanup step that fails does not fail the run that carries it.
    next.run((step) => (step.id.startsWith("owed:") ? { ...ok(), ok: false, error: { code: "command_failed", message: "gone" } } : succeedAll(step)));
    expect(next.state.status).toBe("succeeded");
    expect(next.sent.filter((st) => st.id.startsWith("owed:")).length).toBe(owed.phase.steps.length);
  });

  it("re-sends the steps in flight when the relay comes back on a new connection, and after the object restarts", () => {
    const h = new EngineHarness(inputs(twoHosts()));
    h.start("facts");
    expect(h.count("host.connect")).toBe(2);
    h.relay = { ...RELAY, connectionId: "conn-2" };
    h.input({ type: "relay.available" });
    expect(h.count("host.connect")).toBe(4);
    h.input({ type: "resume" });
    expect(h.count("host.connect")).toBe(6);
    expect(h.events().filter((m) => m.includes("(reconnected)"))).toHaveLength(2);
    // The repeats are answered once each (the relay's journal), and the run goes on.
    h.run();
    expect(h.state.status).toBe("succeeded");
  });

  it("takes the first answer for a step and calls a repeat a duplicate", () => {
    const h = new EngineHarness(inputs(twoHosts()));
    h.start("facts");
    const step = h.inbox[0];
    if (!step) throw new Error("no step");
    const first = h.input({ type: "step.finished", stepId: step.id, relay: RELAY.name, result: ok() });
    const again = h.input({ type: "step.finished", stepId: step.id, relay: RELAY.name, result: { ...ok(), ok: false } });
    expect(first.ack).toEqual({ accepted: true });
    expect(again.ack).toEqual({ accepted: true, duplicate: true });
    expect(h.state.steps[step.id]?.status).toBe("succeeded");
    expect(h.input({ type: "step.finished", stepId: step.id, relay: "other", result: ok() }).ack?.accepted).toBe(false);
  });

  it("times a step out past its deadline, tells the relay to drop it, and fails the phase", () => {
    const h = new EngineHarness(inputs(twoHosts()));
    h.start("facts");
    h.now += 60_000 + 15_000 + 1;
    h.input({ type: "alarm" });
    expect(h.state.status).toBe("failed");
    expect(h.state.error).toMatch(/Connect to hosts: 10.0.0.11:22, 10.0.0.12:22: timeout: no result from the relay within 75s/);
    expect(h.cancelled.sort()).toEqual(["connect:10.0.0.11:22", "connect:10.0.0.12:22"]);
  });

  it("cancels after the steps in flight (aborting only waits), and a second cancel ends the run at once", () => {
    const h = new EngineHarness(inputs(spec(seedHosts())));
    h.start("apply");
    h.run((step) => (step.kind === "k0s.install" ? null : succeedAll(step)));
    const installing = Object.values(h.state.steps).filter((s) => s.status === "running");
    expect(installing.length).toBeGreaterThan(0);
    h.input({ type: "cancel", actor: "token:t1" });
    expect(h.state.status).toBe("running");
    expect(h.cancelled).toEqual([]);
    h.input({ type: "cancel", actor: "token:t1" });
    expect(h.state.status).toBe("cancelled");
    expect(h.state.error).toMatch(/cancelled by token:t1; ended by token:t1 before cleanup/);
    expect(h.cancelled.length).toBe(installing.length);
  });
});
