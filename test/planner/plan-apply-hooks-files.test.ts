import { describe, expect, it } from "vitest";
import { planApply } from "../../worker/planner/plan-apply";
import { planK0sFacts } from "../../worker/planner/plan-k0s-facts";
import { V1, V2, allSteps, batchIds, expectOk, freshFacts, host, phase, phaseNames, runningFacts, spec } from "./fixtures";

const hooks = {
  apply: { before: ["echo apply-before"], after: ["echo apply-after"] },
  install: { before: ["echo install-before"], after: ["echo install-after"] },
  upgrade: { before: ["echo upgrade-before"], after: ["echo upgrade-after"] },
  reset: { before: ["echo reset-before"], after: ["echo reset-after"] },
};

describe("planApply: hooks", () => {
  it("runs apply.before before Initialize, install hooks around each install, apply.after at the end", () => {
    const s = spec([host(11, "controller", { hooks }), host(12, "worker", { hooks })]);
    const r = planApply(s, freshFacts([11, 12]), null);
    expectOk(r);
    expect(phaseNames(r.plan)).toEqual([
      "Stage k0s binaries on hosts",
      "Install k0s binaries on hosts",
      "Configure k0s",
      "Run before apply hooks",
      "Initialize the k0s cluster",
      "Install workers",
      "Run after apply hooks",
      "Disconnect from hosts",
    ]);
    expect(batchIds(r.plan, "Run before apply hooks")).toEqual([["hook:apply.before:10.0.0.11:22", "hook:apply.before:10.0.0.12:22"]]);
    expect(batchIds(r.plan, "Initialize the k0s cluster").flat()).toEqual([
      "hook:install.before:10.0.0.11:22",
      "install:10.0.0.11:22",
      "start:10.0.0.11:22",
      "readyz:10.0.0.11:22",
      "hook:install.after:10.0.0.11:22",
    ]);
    expect(batchIds(r.plan, "Install workers").flat()).toEqual([
      "token-create:10.0.0.12:22",
      "hook:install.before:10.0.0.12:22",
      "install:10.0.0.12:22",
      "start:10.0.0.12:22",
      "node-ready:10.0.0.12:22",
      "token-invalidate:10.0.0.12:22",
      "hook:install.after:10.0.0.12:22",
    ]);
    expect(phase(r.plan, "Run after apply hooks").steps[0]).toMatchObject({ kind: "hook.run", hook: "apply.after", lines: ["echo apply-after"], host: { address: "10.0.0.11" } });
  });

  it("runs upgrade hooks once the node is drained and again before it is uncordoned", () => {
    const before = spec([host(11, "controller"), host(12, "worker", { hooks })]);
    const after = spec([host(11, "controller"), host(12, "worker", { hooks })], { version: V2 });
    const r = planApply(after, runningFacts(before, V1), before);
    expectOk(r);
    expect(batchIds(r.plan, "Upgrade workers").flat()).toEqual(
      ["cordon", "drain", "hook:upgrade.before", "stop", "binary-install", "install", "start", "node-ready", "uncordon", "hook:upgrade.after"].map((w) => `${w}:10.0.0.12:22`),
    );
  });

  it("runs reset hooks first and last when removing a host", () => {
    const before = spec([host(11, "controller"), host(12, "worker")]);
    const after = spec([host(11, "controller"), host(12, "worker", { hooks, reset: true })]);
    const r = planApply(after, runningFacts(before, V1), before);
    expectOk(r);
    const ids = batchIds(r.plan, "Reset workers").flat();
    expect(ids[0]).toBe("hook:reset.before:10.0.0.12:22");
    expect(ids.at(-1)).toBe("hook:reset.after:10.0.0.12:22");
    expect(allSteps(r.plan).filter((x) => x.kind === "hook.run").map((x) => x.id)).not.toContain("hook:install.before:10.0.0.12:22");
  });
});

describe("planApply: files and manifests", () => {
  const files = [
    { name: "flannel", src: "/relay/kube-flannel.yaml", dstDir: "/var/lib/k0s/manifests/flannel", perm: 0o644 },
    { name: "cni-plugins", src: "/relay/cni-plugins/*", dstDir: "/opt/cni/bin/", perm: "0755" },
    { name: "motd", data: "hello\n", dstDir: "/etc", user: "root", group: "root" },
  ];

  it("uploads every file of every host, one after another per host, at the uploads concurrency", () => {
    const s = spec([host(11, "controller", { files }), host(12, "worker", { files: files.slice(1, 2) })]);
    const r = planApply(s, freshFacts([11, 12]), null);
    expectOk(r);
    const upload = phase(r.plan, "Upload files to hosts");
    expect(upload.concurrency).toBe(5);
    expect(batchIds(r.plan, "Upload files to hosts")).toEqual([["upload:0:10.0.0.11:22", "upload:0:10.0.0.12:22"], ["upload:1:10.0.0.11:22"], ["upload:2:10.0.0.11:22"]]);
    expect(upload.steps.slice(0, 1).concat(upload.steps.slice(2))).toEqual([
      expect.objectContaining({ name: "flannel", source: { from: "relay", path: "/relay/kube-flannel.yaml" }, dstDir: "/var/lib/k0s/manifests/flannel", perm: "0644", dirPerm: "0755" }),
      expect.objectContaining({ name: "cni-plugins", source: { from: "relay", path: "/relay/cni-plugins/*" }, dstDir: "/opt/cni/bin/", perm: "0755" }),
      expect.objectContaining({ name: "motd", source: { from: "data", data: "hello\n" }, dst: "/etc/motd", user: "root", group: "root" }),
    ]);
  });

  it("keeps the upload steps on re-apply (the relay skips unchanged files) and reports which entries changed", () => {
    const before = spec([host(11, "controller", { files })]);
    const after = spec([host(11, "controller", { files: [files[0] ?? {}, { ...files[1], perm: "0700" }] })]);
    const r = planApply(after, runningFacts(before, V1), before);
    expectOk(r);
    expect(phaseNames(r.plan)).toEqual(["Upload files to hosts", "Disconnect from hosts"]);
    expect(r.changes.files).toEqual([{ host: "10.0.0.11:22", added: [], removed: ["motd"], changed: ["cni-plugins"] }]);
  });

  it("applies spec.manifests on the leader after the after-apply hooks", () => {
    const s = spec([host(11, "controller"), host(12, "controller")], {}, {}, { manifests: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }] });
    const r = planApply(s, runningFacts(s, V1), s);
    expectOk(r);
    expect(phaseNames(r.plan)).toEqual(["Apply additional manifests", "Disconnect from hosts"]);
    expect(phase(r.plan, "Apply additional manifests").steps[0]).toMatchObject({ kind: "kube.apply", host: { address: "10.0.0.11" }, manifests: [{ kind: "Namespace" }] });
  });
});

describe("planApply: dry-run changes", () => {
  it("lists hosts added and removed, and warns that removed hosts are left alone", () => {
    const before = spec([host(11, "controller"), host(12, "worker"), host(13, "worker")]);
    const after = spec([host(11, "controller"), host(12, "worker"), host(14, "worker")]);
    const facts = runningFacts(before, V1);
    Object.assign(facts.hosts, freshFacts([14]).hosts);
    const r = planApply(after, facts, before);
    expectOk(r);
    expect(r.changes).toMatchObject({ hostsAdded: ["10.0.0.14:22"], hostsRemoved: ["10.0.0.13:22"], actions: { "10.0.0.11:22": "keep", "10.0.0.14:22": "install" } });
    expect(r.warnings).toEqual([expect.stringContaining("10.0.0.13:22 is no longer in the spec")]);
  });
});

describe("planApply: warnings", () => {
  it("warns that install-time fields changed on a running host wait for its next upgrade", () => {
    const before = spec([host(11, "controller"), host(12, "worker")]);
    const after = spec([host(11, "controller"), host(12, "worker", { installFlags: ["--labels=a=b"], environment: { HTTP_PROXY: "http://proxy:3128" } })]);
    const r = planApply(after, runningFacts(before, V1), before);
    expectOk(r);
    expect(r.warnings).toEqual(["10.0.0.12:22: installFlags, environment changed but k0s already runs there: the change applies at its next upgrade or reinstall"]);
  });

  it("takes wait and drain bounds from the request, and the drain timeout from spec.options.drain", () => {
    const before = spec([host(11, "controller"), host(12, "worker")]);
    const after = spec([host(11, "controller"), host(12, "worker")], { version: V2 }, { drain: { timeout: "10m", gracePeriod: "30s" } });
    const fromSpec = planApply(after, runningFacts(before, V1), before);
    expectOk(fromSpec);
    expect(phase(fromSpec.plan, "Upgrade workers").steps.find((x) => x.kind === "kube.drain")).toMatchObject({ timeoutSeconds: 600, gracePeriodSeconds: 30, timeoutMs: 660_000 });
    const fromRequest = planApply(after, runningFacts(before, V1), before, { timeouts: { readyMs: 90_000, nodeReadyMs: 120_000, drainMs: 60_000 } });
    expectOk(fromRequest);
    const steps = allSteps(fromRequest.plan);
    expect(steps.find((x) => x.id === "readyz:10.0.0.11:22")?.timeoutMs).toBe(90_000);
    expect(steps.find((x) => x.id === "node-ready:10.0.0.12:22")?.timeoutMs).toBe(120_000);
    expect(steps.find((x) => x.id === "drain:10.0.0.12:22")).toMatchObject({ timeoutSeconds: 60 });
  });

  it("refuses a download URL with %p for a host whose architecture k0s does not ship", () => {
    const s = spec([host(11, "controller")]);
    const facts = freshFacts([11]);
    const h = facts.hosts["10.0.0.11:22"];
    if (h) h.arch = "riscv64";
    expect(planApply(s, facts, null)).toEqual({ ok: false, errors: [{ path: "spec.hosts[0].k0sDownloadURL", message: expect.stringContaining("%p") }] });
  });

  it("refuses a running host that reports no k0s version", () => {
    const s = spec([host(11, "controller")]);
    const facts = runningFacts(s, V1);
    const h = facts.hosts["10.0.0.11:22"];
    if (h) h.k0s = { running: true };
    expect(planApply(s, facts, s)).toEqual({ ok: false, errors: [{ path: "spec.hosts[0]", message: expect.stringContaining("no version") }] });
  });
});

describe("planK0sFacts", () => {
  it("reads k0s facts on every host", () => {
    const p = planK0sFacts(spec([host(11, "controller"), host(12, "worker", { k0sInstallPath: "/opt/bin/k0s" })]));
    expect(p.name).toBe("Gather k0s facts");
    expect(p.steps).toEqual([
      { kind: "k0s.facts", id: "k0s-facts:10.0.0.11:22", host: { address: "10.0.0.11", port: 22, user: "root", keyPath: "/keys/id_rsa" }, timeoutMs: 30_000, installPath: "/usr/local/bin/k0s", configPath: "/etc/k0s/k0s.yaml" },
      { kind: "k0s.facts", id: "k0s-facts:10.0.0.12:22", host: { address: "10.0.0.12", port: 22, user: "root", keyPath: "/keys/id_rsa" }, timeoutMs: 30_000, installPath: "/opt/bin/k0s", configPath: "/etc/k0s/k0s.yaml" },
    ]);
  });
});
