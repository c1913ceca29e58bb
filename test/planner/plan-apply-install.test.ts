import { describe, expect, it } from "vitest";
import { batchesOf } from "../../worker/planner/plan";
import { planApply } from "../../worker/planner/plan-apply";
import { V1, batchIds, expectOk, freshFacts, host, phase, phaseNames, runningFacts, seedHosts, seedSpec, spec } from "./fixtures";

const ALL = [11, 12, 13, 14, 15];

describe("planApply: fresh install of the seed 2.1 cluster (3 controller+worker, 2 workers)", () => {
  const r = planApply(seedSpec(), freshFacts(ALL), null);
  expectOk(r);
  const plan = r.plan;

  it("has k0sctl's phases, in order, without empty ones", () => {
    expect(phaseNames(plan)).toEqual([
      "Stage k0s binaries on hosts",
      "Install k0s binaries on hosts",
      "Configure k0s",
      "Initialize the k0s cluster",
      "Install controllers",
      "Install workers",
      "Disconnect from hosts",
    ]);
    expect(plan.concurrency).toBe(30);
  });

  it("downloads k0s on every host, then installs it", () => {
    const stage = phase(plan, "Stage k0s binaries on hosts");
    expect(stage.concurrency).toBe(5);
    expect(stage.steps).toHaveLength(5);
    expect(stage.steps[0]).toMatchObject({
      kind: "k0s.binary.stage",
      source: { from: "url", fetch: "host", url: "https://github.com/k0sproject/k0s/releases/download/v1.21.2+k0s.1/k0s-v1.21.2+k0s.1-amd64" },
      tmpPath: "/usr/local/bin/k0s.tmp.v1.21.2+k0s.1",
    });
    expect(phase(plan, "Install k0s binaries on hosts").steps.map((s) => s.kind === "k0s.binary.install" && s.expectVersion)).toEqual(Array(5).fill("v1.21.2+k0s.1"));
  });

  it("writes a config on the three controllers only, with its own peer address each", () => {
    const writes = phase(plan, "Configure k0s").steps;
    expect(writes.map((s) => s.id)).toEqual(["config:10.0.0.11:22", "config:10.0.0.12:22", "config:10.0.0.13:22"]);
    expect(writes.map((s) => s.kind === "k0s.config.write" && s.config)).toMatchObject([
      { spec: { storage: { etcd: { peerAddress: "192.168.0.11" } } } },
      { spec: { storage: { etcd: { peerAddress: "192.168.0.12" } } } },
      { spec: { storage: { etcd: { peerAddress: "192.168.0.13" } } } },
    ]);
    expect(phase(plan, "Configure k0s").barriers).toEqual([]);
  });

  it("initializes the leader (first controller) with its config and waits for /readyz", () => {
    expect(batchIds(plan, "Initialize the k0s cluster")).toEqual([["install:10.0.0.11:22"], ["start:10.0.0.11:22"], ["readyz:10.0.0.11:22"]]);
    expect(phase(plan, "Initialize the k0s cluster").steps[0]).toMatchObject({
      kind: "k0s.install",
      role: "controller",
      configPath: "/etc/k0s/k0s.yaml",
      dataDir: "/var/lib/k0s",
      enableWorker: true,
      force: false,
      host: { address: "10.0.0.11" },
    });
    expect(phase(plan, "Initialize the k0s cluster").steps[0]).not.toHaveProperty("tokenSecret");
  });

  it("joins the two other controllers one at a time with their own tokens, created on the leader and invalidated after", () => {
    const join = (n: number) => [
      [`token-create:10.0.0.${n}:22`],
      [`install:10.0.0.${n}:22`],
      [`start:10.0.0.${n}:22`],
      [`readyz:10.0.0.${n}:22`],
      [`token-invalidate:10.0.0.${n}:22`],
    ];
    expect(batchIds(plan, "Install controllers")).toEqual([...join(12), ...join(13)]);
    const steps = phase(plan, "Install controllers").steps;
    const create = steps.find((s) => s.id === "token-create:10.0.0.12:22");
    const install = steps.find((s) => s.id === "install:10.0.0.12:22");
    const invalidate = steps.find((s) => s.id === "token-invalidate:10.0.0.12:22");
    expect(create).toMatchObject({ kind: "k0s.token.create", host: { address: "10.0.0.11" }, role: "controller", expiry: "30m0s", saveAs: "join-token:controller:10.0.0.12:22" });
    expect(install).toMatchObject({ kind: "k0s.install", host: { address: "10.0.0.12" }, tokenSecret: "join-token:controller:10.0.0.12:22", enableWorker: true });
    // The used token does not stay on the joiner: the relay overwrites the token file it wrote there.
    expect(invalidate).toMatchObject({ kind: "k0s.token.invalidate", host: { address: "10.0.0.11" }, secret: "join-token:controller:10.0.0.12:22", joiner: { address: "10.0.0.12", port: 22 } });
    expect(steps.some((s) => s.kind === "file.upload")).toBe(false);
  });

  it("joins both workers side by side, each with a worker token, waiting for their nodes on the leader", () => {
    expect(batchIds(plan, "Install workers")).toEqual([
      ["token-create:10.0.0.14:22", "token-create:10.0.0.15:22"],
      ["install:10.0.0.14:22", "install:10.0.0.15:22"],
      ["start:10.0.0.14:22", "start:10.0.0.15:22"],
      ["node-ready:10.0.0.14:22", "node-ready:10.0.0.15:22"],
      ["token-invalidate:10.0.0.14:22", "token-invalidate:10.0.0.15:22"],
    ]);
    const steps = phase(plan, "Install workers").steps;
    expect(steps[0]).toMatchObject({ role: "worker", expiry: "10m0s", saveAs: "join-token:worker:10.0.0.14:22", host: { address: "10.0.0.11" } });
    expect(steps[2]).toMatchObject({ kind: "k0s.install", role: "worker", tokenSecret: "join-token:worker:10.0.0.14:22" });
    expect(steps[2]).not.toHaveProperty("configPath");
    expect(steps.find((s) => s.id === "node-ready:10.0.0.15:22")).toMatchObject({ host: { address: "10.0.0.11" }, for: { what: "node", nodeName: "k5.node" }, timeoutMs: 600_000 });
  });

  it("resets hosts that never became ready if the run fails, and invalidates tokens left behind", () => {
    expect(plan.cleanup.map((c) => [c.ifStarted, c.unlessSucceeded, c.steps.map((s) => s.id)])).toEqual([
      ["install:10.0.0.11:22", "readyz:10.0.0.11:22", ["cleanup-stop:10.0.0.11:22", "cleanup-reset:10.0.0.11:22"]],
      ["install:10.0.0.12:22", "readyz:10.0.0.12:22", ["cleanup-etcd-leave:10.0.0.12:22", "cleanup-stop:10.0.0.12:22", "cleanup-reset:10.0.0.12:22"]],
      ["token-create:10.0.0.12:22", "token-invalidate:10.0.0.12:22", ["cleanup-token-invalidate:10.0.0.12:22"]],
      ["install:10.0.0.13:22", "readyz:10.0.0.13:22", ["cleanup-etcd-leave:10.0.0.13:22", "cleanup-stop:10.0.0.13:22", "cleanup-reset:10.0.0.13:22"]],
      ["token-create:10.0.0.13:22", "token-invalidate:10.0.0.13:22", ["cleanup-token-invalidate:10.0.0.13:22"]],
      ["install:10.0.0.14:22", "node-ready:10.0.0.14:22", ["cleanup-stop:10.0.0.14:22", "cleanup-reset:10.0.0.14:22"]],
      ["token-create:10.0.0.14:22", "token-invalidate:10.0.0.14:22", ["cleanup-token-invalidate:10.0.0.14:22"]],
      ["install:10.0.0.15:22", "node-ready:10.0.0.15:22", ["cleanup-stop:10.0.0.15:22", "cleanup-reset:10.0.0.15:22"]],
      ["token-create:10.0.0.15:22", "token-invalidate:10.0.0.15:22", ["cleanup-token-invalidate:10.0.0.15:22"]],
    ]);
  });

  it("reports every host as added and the version as new", () => {
    expect(r.changes).toMatchObject({ hostsAdded: ALL.map((n) => `10.0.0.${n}:22`), hostsRemoved: [], version: { from: null, to: "v1.21.2+k0s.1" } });
    expect(Object.values(r.changes.actions)).toEqual(Array(5).fill("install"));
  });

  it("is deterministic", () => {
    expect(planApply(seedSpec(), freshFacts(ALL), null)).toEqual(r);
  });
});

describe("planApply: re-apply and growth", () => {
  it("plans nothing but the disconnect when an unchanged spec is applied to a cluster that runs it", () => {
    const s = seedSpec();
    const r = planApply(s, runningFacts(s, V1), s);
    expectOk(r);
    expect(phaseNames(r.plan)).toEqual(["Disconnect from hosts"]);
    expect(r.plan.cleanup).toEqual([]);
    expect(r.changes).toMatchObject({ hostsAdded: [], hostsRemoved: [], hostsReset: [], version: null, files: [], config: [] });
  });

  it("joins only the added worker", () => {
    const before = seedSpec();
    const after = spec([...seedHosts(), host(16, "worker")]);
    const facts = runningFacts(before, V1);
    facts.hosts["10.0.0.16:22"] = { arch: "aarch64", hostname: "k6.node", privateAddress: "192.168.0.16", k0s: { running: false } };
    const r = planApply(after, facts, before);
    expectOk(r);
    expect(phaseNames(r.plan)).toEqual(["Stage k0s binaries on hosts", "Install k0s binaries on hosts", "Install workers", "Disconnect from hosts"]);
    const touched = new Set(r.plan.phases.filter((p) => p.name !== "Disconnect from hosts").flatMap((p) => p.steps.map((s) => s.id.split(":").slice(-2).join(":"))));
    expect([...touched]).toEqual(["10.0.0.16:22"]);
    expect(phase(r.plan, "Stage k0s binaries on hosts").steps[0]).toMatchObject({ source: { url: expect.stringMatching(/-arm64$/) } });
    expect(r.changes.hostsAdded).toEqual(["10.0.0.16:22"]);
  });

  it("joins an added controller and restarts the running controllers for the new SAN one at a time", () => {
    const before = spec([host(11, "controller"), host(12, "controller"), host(13, "controller")]);
    const after = spec([host(11, "controller"), host(12, "controller"), host(13, "controller"), host(14, "controller")]);
    const facts = runningFacts(before, V1);
    facts.hosts["10.0.0.14:22"] = { arch: "x86_64", hostname: "k4.node", privateAddress: "192.168.0.14", k0s: { running: false } };
    const r = planApply(after, facts, before);
    expectOk(r);
    expect(batchIds(r.plan, "Configure k0s")).toEqual([
      ["config:10.0.0.11:22", "config:10.0.0.12:22", "config:10.0.0.13:22", "config:10.0.0.14:22"],
      ["config-restart:10.0.0.11:22"],
      ["config-readyz:10.0.0.11:22"],
      ["config-restart:10.0.0.12:22"],
      ["config-readyz:10.0.0.12:22"],
      ["config-restart:10.0.0.13:22"],
      ["config-readyz:10.0.0.13:22"],
    ]);
    expect(batchIds(r.plan, "Install controllers")[1]).toEqual(["install:10.0.0.14:22"]);
    expect(r.changes.config).toEqual([]);
  });

  it("writes and rolls out a changed config, reporting the diff", () => {
    const before = seedSpec();
    const after = spec(seedHosts(), {
      config: { spec: { api: { sans: ["10.0.0.11", "10.0.0.12", "10.0.0.13", "lb.example.com"] }, storage: { type: "etcd" }, telemetry: { enabled: false } } },
    });
    const r = planApply(after, runningFacts(before, V1), before);
    expectOk(r);
    expect(phaseNames(r.plan)).toEqual(["Configure k0s", "Disconnect from hosts"]);
    expect(batchesOf(phase(r.plan, "Configure k0s"))).toHaveLength(7);
    expect(r.changes.config).toEqual(
      expect.arrayContaining([
        { path: "spec.api.sans", from: ["10.0.0.11", "10.0.0.12", "10.0.0.13"], to: ["10.0.0.11", "10.0.0.12", "10.0.0.13", "lb.example.com"] },
        { path: "spec.telemetry", to: { enabled: false } },
        { path: "spec.api.address", from: "10.0.0.11" },
      ]),
    );
  });

  it("reinstalls a stopped host with --force and keeps its data if it fails", () => {
    const s = seedSpec();
    const facts = runningFacts(s, V1, [14]);
    const k0s = facts.hosts["10.0.0.14:22"];
    if (k0s) k0s.k0s = { running: false, installedVersion: "v1.21.2+k0s.1" };
    const r = planApply(s, facts, s);
    expectOk(r);
    expect(phaseNames(r.plan)).toEqual(["Install workers", "Disconnect from hosts"]);
    expect(phase(r.plan, "Install workers").steps.find((x) => x.kind === "k0s.install")).toMatchObject({ force: true });
    expect(r.plan.cleanup.map((c) => c.ifStarted)).toEqual(["token-create:10.0.0.14:22"]);
  });

  it("uploads the relay's binary when uploadBinary names one, and lets the relay fetch it when none is named", () => {
    const s = spec([host(11, "controller", { uploadBinary: true, k0sBinaryPath: "/srv/k0s" }), host(12, "worker", { uploadBinary: true }), host(13, "worker", { k0sDownloadURL: "http://mirror/%v/k0s-%p%x" })]);
    const r = planApply(s, freshFacts([11, 12, 13]), null);
    expectOk(r);
    expect(phase(r.plan, "Stage k0s binaries on hosts").steps.map((x) => x.kind === "k0s.binary.stage" && x.source)).toEqual([
      { from: "relay", relayPath: "/srv/k0s" },
      { from: "url", url: "https://github.com/k0sproject/k0s/releases/download/v1.21.2+k0s.1/k0s-v1.21.2+k0s.1-amd64", fetch: "relay" },
      { from: "url", url: "http://mirror/v1.21.2+k0s.1/k0s-amd64", fetch: "host" },
    ]);
  });
});
