import { describe, expect, it } from "vitest";
import { Step } from "../../schema/steps";
import { RelaySecrets, resolveRelaySecrets, scrubSecrets } from "../../relay/relay-secrets";
import { StepFailure } from "../../relay/steps/step-failure";

// F8 without a host: where references are filled, what a missing one says,
// and that values are taken back out of a step's report.
const host = { address: "127.0.0.1", port: 22, user: "root" };
const secrets = new RelaySecrets({ db: { value: "pw-db" }, multi: { value: "a\nb" } });

describe("resolveRelaySecrets", () => {
  it("fills configs deeply, environment values and inline data, and nothing else", async () => {
    const config = Step.parse({ id: "c", kind: "k0s.config.write", host, path: "/etc/k0s/k0s.yaml", validateWith: "/usr/local/bin/k0s", config: { spec: { storage: { kine: { dataSource: "mysql://u:${relay:db}@tcp(h)/k" } }, list: ["${relay:db}", 3] } } });
    const filled = await resolveRelaySecrets(config, secrets);
    expect(filled.step).toMatchObject({ config: { spec: { storage: { kine: { dataSource: "mysql://u:pw-db@tcp(h)/k" } }, list: ["pw-db", 3] } } });
    expect(filled.values).toEqual([{ ref: "${relay:db}", value: "pw-db" }]);

    const hook = Step.parse({ id: "h", kind: "hook.run", host, hook: "apply.before", lines: ["echo ${relay:db}"] });
    expect((await resolveRelaySecrets(hook, secrets)).step).toEqual(hook);
  });

  it("fails naming the reference, never a value, for an unknown name or a multi-line environment value", async () => {
    const upload = Step.parse({ id: "u", kind: "file.upload", host, source: { from: "data", data: "${relay:missing}" }, dst: "/tmp/x", dirPerm: "0755" });
    await expect(resolveRelaySecrets(upload, secrets)).rejects.toSatisfy((e) => e instanceof StepFailure && e.outcome.error?.message === "${relay:missing}: this relay holds no secret missing (relay.yaml secrets:)");
    const install = Step.parse({ id: "i", kind: "k0s.install", host, role: "worker", installPath: "/usr/local/bin/k0s", dataDir: "/var/lib/k0s", enableWorker: false, noTaints: false, single: false, kubeletExtraArgs: [], installFlags: [], environment: { X: "${relay:multi}" }, force: false });
    await expect(resolveRelaySecrets(install, secrets)).rejects.toSatisfy((e) => e instanceof StepFailure && /\$\{relay:multi\}: secret multi spans lines/.test(e.outcome.error?.message ?? "") && !(e.outcome.error?.message ?? "").includes("a\nb"));
  });

  it("scrubs values out of stdout, stderr, command and message", () => {
    const out = scrubSecrets({ ok: false, exitCode: 1, stdout: "pw-db", stderr: "bad pw-db!", command: "x pw-db", error: { code: "command_failed", message: "pw-db pw-db" } }, [{ ref: "${relay:db}", value: "pw-db" }]);
    expect(JSON.stringify(out)).not.toContain("pw-db");
    expect(out.error?.message).toBe("${relay:db} ${relay:db}");
  });
});
