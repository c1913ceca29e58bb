import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { countByHost, isNonRepeatable, readClusterState, readCommandLedger, startHosts, writeStandin, type ClusterState, type SimCluster, type SimHost } from "../../sim/harness";
import { sshRun, type SshResult } from "../../sim/ssh-client";
import { waitUntil } from "../../sim/wait";

/** Drive the hosts of `current()` over real SSH the way the relay drives k0s. */
function driver(current: () => SimCluster) {
  const host = (i: number): SimHost => current().hosts[i] ?? (() => { throw new Error(`no host ${i}`); })();
  const on = (i: number, command: string): Promise<SshResult> => sshRun(current(), host(i), command);
  const ok = async (i: number, command: string): Promise<string> => {
    const r = await on(i, command);
    expect(r.code, `${command}\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  /** Poll like the relay does: until `command` succeeds on host i. */
  const waitFor = async (i: number, command: string): Promise<string> => {
    let last: SshResult | undefined;
    try {
      return await waitUntil(`\`${command}\` to succeed on host ${i}`, async () => {
        last = await on(i, command);
        return last.code === 0 && last.stdout;
      }, 30_000, 200);
    } catch (err) {
      throw new Error(`${(err as Error).message}; last stderr: ${last?.stderr ?? ""}`);
    }
  };
  /** A service that was started and must fail: wait until it has exited with `error` in its log. */
  const waitForFailedStart = async (i: number, unit: string, error: RegExp): Promise<void> => {
    const log = join(host(i).root, `etc/systemd/system/.keel-standin/${unit}.log`);
    await waitUntil(`${unit} on host ${i} to exit logging ${error}`, async () => {
      const logged = existsSync(log) && error.test(await readFile(log, "utf8"));
      return logged && (await on(i, `systemctl is-active ${unit}`)).code === 3;
    });
  };
  return { host, on, ok, waitFor, waitForFailedStart };
}

// The k0s and systemctl stand-ins, driven over real SSH the way the relay
// drives k0s. Addresses .66+ keep clear of the other suites; the two clusters
// below use the same ones, one after the other.
describe("k0s stand-in", () => {
  let base: string;
  let cluster: SimCluster;
  const { host, on, ok, waitFor, waitForFailedStart } = driver(() => cluster);

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "keel-standin-test-"));
    cluster = await startHosts({ count: 3, dir: join(base, "sim"), hostnames: ["c1", "w1", "w2"], firstOctet: 66, installK0s: true });
    await ok(0, "printf 'apiVersion: k0s.k0sproject.io/v1beta1\\nkind: ClusterConfig\\n' > /etc/k0s/k0s.yaml");
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it("fails `k0s status` with the dial error while k0s is not running", async () => {
    expect(await on(0, "k0s status -o json")).toMatchObject({
      code: 1,
      stdout: "",
      stderr: 'Error: Get "http://localhost/status": dial unix /run/k0s/status.sock: connect: no such file or directory\n',
    });
  });

  it("keeps k0s's per-command flags: the pitfalls are errors", async () => {
    expect(await on(0, "k0s status --data-dir=/var/lib/k0s")).toMatchObject({ code: 1, stderr: "Error: unknown flag: --data-dir\n" });
    expect(await on(0, "k0s token create --role=worker --config=/etc/k0s/k0s.yaml")).toMatchObject({ code: 1, stderr: "Error: unknown flag: --config\n" });
    expect(await on(1, "k0s install worker --config=/etc/k0s/k0s.yaml")).toMatchObject({ code: 1, stderr: "Error: unknown flag: --config\n" });
    expect(await on(0, "k0s token create --expiry=30 --role=worker")).toMatchObject({ code: 1, stderr: 'Error: invalid argument "30" for "--expiry" flag: time: invalid duration "30"\n' });
    expect(await on(0, "k0s bogus")).toMatchObject({ code: 1, stderr: "Error: unknown command \"bogus\" for \"k0s\"\nRun 'k0s --help' for usage.\n" });
    expect(await on(0, "k0s config validate --config /etc/k0s/k0s.yaml")).toMatchObject({ code: 0 });
    expect((await on(0, "k0s config validate --config /etc/k0s/nope.yaml")).code).toBe(1);
    expect(await on(0, "k0s kubeconfig admin --config=/etc/k0s/k0s.yaml")).toMatchObject({ code: 1, stderr: "Error: unknown flag: --config\n" });
    expect(await on(0, "k0s etcd leave --datadir=/var/lib/k0s")).toMatchObject({ code: 1, stderr: "Error: unknown flag: --datadir\n" });
  });

  it("validates a k0s config: YAML that is a mapping, apiVersion/kind, storage type, a numeric api port", async () => {
    const config = (spec: string): string => `apiVersion: k0s.k0sproject.io/v1beta1\nkind: ClusterConfig\n${spec}`;
    const cases: [string, string, RegExp | undefined][] = [
      ["good", config("spec:\n  api:\n    address: 10.0.0.1\n    port: 6443\n    sans:\n      - 10.0.0.1\n  storage:\n    type: kine\n"), undefined],
      ["list", "- a\n- b\n", /cannot unmarshal array into Go value of type v1beta1.ClusterConfig/],
      ["words", "just words\n", /cannot unmarshal string into Go value/],
      ["api", "apiVersion: v1\nkind: ClusterConfig\n", /apiVersion must be "k0s.k0sproject.io\/v1beta1"/],
      ["kind", "apiVersion: k0s.k0sproject.io/v1beta1\nkind: Pod\n", /kind must be "ClusterConfig"/],
      ["storage", config("spec:\n  storage:\n    type: mysql\n"), /spec.storage.type: Unsupported value: "mysql"/],
      ["port", config('spec:\n  api:\n    port: "6443"\n'), /cannot unmarshal string into Go struct field APISpec.spec.api.port of type int/],
      ["indent", config("spec:\n  api:\n    port: 1\n      address: x\n"), /yaml: line \d+: mapping values are not allowed/],
      ["tab", config("spec:\n\tapi: {}\n"), /found character that cannot start any token/],
    ];
    for (const [name, text] of cases) await writeFile(join(host(0).root, `tmp/${name}.yaml`), text);
    for (const [name, , error] of cases) {
      const r = await on(0, `k0s config validate --config /tmp/${name}.yaml`);
      if (error) expect(r, name).toMatchObject({ code: 1, stdout: "", stderr: expect.stringMatching(error) });
      else expect(r, name).toMatchObject({ code: 0, stderr: "" });
    }
  });

  it("installs a controller as a unit file and runs it with systemctl until /readyz says ok", async () => {
    await ok(0, "k0s install controller --data-dir=/var/lib/k0s --config=/etc/k0s/k0s.yaml --enable-worker=true --kubelet-extra-args=--hostname-override=c1");
    const unit = await readFile(join(host(0).root, "etc/systemd/system/k0scontroller.service"), "utf8");
    expect(unit).toContain("ExecStart=/usr/local/bin/k0s controller --config=/etc/k0s/k0s.yaml --data-dir=/var/lib/k0s --enable-worker=true --kubelet-extra-args=--hostname-override=c1\n");
    expect(await on(0, "k0s install controller --config=/etc/k0s/k0s.yaml")).toMatchObject({ code: 1, stderr: expect.stringMatching(/Init already exists/) });

    await ok(0, "systemctl start k0scontroller");
    expect(await waitFor(0, "k0s kubectl get --raw=/readyz")).toBe("ok\n");
    const status = JSON.parse(await ok(0, "k0s status -o json")) as { Version: string; Role: string; Workloads: boolean };
    expect(status).toMatchObject({ Version: "v1.21.2+k0s.1", Role: "controller+worker", Workloads: true });
    expect(await ok(0, "systemctl is-active k0scontroller")).toBe("active\n");
  });

  it("joins a worker with a token from the controller; an invalid token never starts", async () => {
    const token = (await ok(0, "k0s token create --role=worker --expiry=10m0s")).trim();
    await ok(1, `umask 077 && printf %s '${token}' > /etc/k0s/k0stoken && k0s install worker --token-file=/etc/k0s/k0stoken && systemctl start k0sworker`);
    await waitFor(0, "k0s kubectl get node w1 -o json | grep -q '\"status\": \"True\"'");

    const id = (await ok(0, "k0s token list --role=worker")).split("\n")[1]?.split("\t")[0] ?? "";
    await ok(0, `k0s token invalidate ${id}`);
    await ok(2, `printf %s '${token}' > /etc/k0s/k0stoken && k0s install worker --token-file=/etc/k0s/k0stoken && systemctl start k0sworker`);
    await waitForFailedStart(2, "k0sworker.service", /join token \w+ is not valid/);
    expect(await on(2, "systemctl is-active k0sworker")).toMatchObject({ code: 3, stdout: "inactive\n" });
    expect(await on(0, "k0s kubectl get node w2")).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): nodes "w2" not found\n' });
  });

  it("re-issues 1-year leaf certificates at each controller start and keeps the 10-year CA", async () => {
    const dates = "cd /var/lib/k0s/pki && openssl x509 -noout -serial -enddate -in server.crt && openssl x509 -noout -serial -enddate -in ca.crt";
    const before = (await ok(0, dates)).split("\n");
    await ok(0, "systemctl restart k0scontroller");
    await waitFor(0, "k0s kubectl get --raw=/readyz");
    const after = (await ok(0, dates)).split("\n");
    expect(after[0]).not.toBe(before[0]);
    expect(after.slice(2)).toEqual(before.slice(2));
    const year = new Date().getUTCFullYear();
    expect(after[1]).toContain(String(year + 1));
    expect(after[3]).toContain(String(year + 10));
  });

  it("turns a powered-off worker's node NotReady, and starts enabled k0s again when the host comes back", async () => {
    await cluster.stopHost(1);
    await waitFor(0, "k0s kubectl get nodes --no-headers | grep -q '^w1 *NotReady'");
    await cluster.startHost(1);
    expect(await waitFor(1, "k0s status")).toMatch(/Role: worker/);
    await waitFor(0, "k0s kubectl get nodes --no-headers | grep -q '^w1 *Ready'");
  });

  it("refuses to reset a running k0s, and resets it once stopped", async () => {
    expect(await on(1, "k0s reset")).toMatchObject({ code: 1, stderr: "Error: k0s seems to be running! please stop k0s before reset.\n" });
    await ok(1, "k0s stop && k0s reset");
    expect(existsSync(join(host(1).root, "etc/systemd/system/k0sworker.service"))).toBe(false);
    expect((await on(1, "ls -A /var/lib/k0s")).stdout).toBe("");
    expect((await on(1, "k0s status")).code).toBe(1);
    // Like k0s, reset is local: the Node object stays (NotReady) until it is deleted.
    await waitFor(0, "k0s kubectl get nodes --no-headers | grep -q '^w1 *NotReady'");
    await ok(0, "k0s kubectl --data-dir=/var/lib/k0s delete node w1");
    expect(readClusterState(cluster.clusterStateDir).nodes.map((n) => n.name)).toEqual(["c1"]);
  });

  it("keeps a ledger of every k0s command each host ran, whole lines even when hosts run commands at once", async () => {
    const before = readCommandLedger(cluster.clusterStateDir);
    expect(countByHost(before, ["install", "controller"])).toEqual({ c1: 2 }); // the second was refused: Init already exists
    // Refused invocations count too: the ledger records what was run, not what worked.
    expect(countByHost(before, ["install", "worker"])).toEqual({ w1: 2, w2: 1 });
    expect(countByHost(before, ["token", "create"])).toEqual({ c1: 3 });
    expect(countByHost(before.filter((r) => r.exitCode === 0), ["token", "create"])).toEqual({ c1: 1 });
    expect(countByHost(before, ["reset"])).toEqual({ w1: 2 }); // refused while running, then done
    const refused = before.find((r) => r.host === "c1" && r.argv.join(" ") === "bogus");
    expect(refused).toMatchObject({ exitCode: 1, endedAt: expect.any(String), pid: expect.any(Number) });
    expect(before.filter((r) => r.argv[0] === "worker" && r.host === "w1").length).toBeGreaterThan(0); // the daemons too

    await Promise.all([0, 1, 2].map((i) => ok(i, "for n in $(seq 20); do k0s version --json > /dev/null & done; wait")));
    const after = readCommandLedger(cluster.clusterStateDir);
    expect(countByHost(after, ["version", "--json"])).toEqual({ c1: 20, w1: 20, w2: 20 });
    expect(after.filter((r) => r.argv[0] === "version" && r.argv[1] === "--json").every((r) => r.exitCode === 0)).toBe(true);
    expect(after.filter((r) => isNonRepeatable(r.argv)).map((r) => `${r.host} ${r.argv.slice(0, 2).join(" ")}`).sort()).toEqual([
      "c1 install controller", "c1 install controller", "c1 token create", "c1 token create", "c1 token create",
      "w1 install worker", "w1 install worker", "w1 reset", "w1 reset", "w2 install worker",
    ]);
  });
});

describe("k0s stand-in: two controllers and a worker", () => {
  let base: string;
  let cluster: SimCluster;
  const { host, on, ok, waitFor, waitForFailedStart } = driver(() => cluster);
  const state = (): ClusterState => readClusterState(cluster.clusterStateDir);
  const members = async (i: number): Promise<Record<string, string>> => (JSON.parse(await ok(i, "k0s etcd member-list --data-dir=/var/lib/k0s")) as { members: Record<string, string> }).members;
  const bundle = Buffer.from("not really an OCI archive, but bytes to import\n".repeat(100));
  const flannel = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-flannel\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: kube-flannel-ds\n  namespace: kube-flannel\nspec:\n  template:\n    spec:\n      containers:\n        - name: kube-flannel\n          args: [\"--ip-masq\", \"--kube-subnet-mgr\"]\n";
  const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");
  const put = async (i: number, path: string, data: string | Buffer): Promise<void> => {
    await mkdir(dirname(join(host(i).root, path)), { recursive: true });
    await writeFile(join(host(i).root, path), data);
  };
  const install = "k0s install controller --data-dir=/var/lib/k0s --config=/etc/k0s/k0s.yaml";

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), "keel-standin-ha-"));
    cluster = await startHosts({ count: 3, dir: join(base, "sim"), hostnames: ["c1", "c2", "w1"], firstOctet: 66, installK0s: true });
    for (const i of [0, 1]) {
      // As the relay writes it: the `yaml` package, block style.
      const address = host(i).address;
      await put(i, "etc/k0s/k0s.yaml", stringify({ apiVersion: "k0s.k0sproject.io/v1beta1", kind: "ClusterConfig", metadata: { name: "k0s" }, spec: { api: { address, port: 6443, sans: ["127.0.0.66", "127.0.0.67"] }, storage: { type: "etcd", etcd: { peerAddress: address } } } }));
    }
    await put(0, "var/lib/k0s/images/bundle_file", bundle);
    await put(2, "var/lib/k0s/images/bundle_file", bundle);
    await put(0, "var/lib/k0s/manifests/flannel/kube-flannel.yaml", flannel);
  });

  afterAll(async () => {
    await cluster?.stop();
    await rm(base, { recursive: true, force: true });
  });

  it("starts the first controller: etcd member, imported bundles, applied manifest stacks", async () => {
    await ok(0, `${install} --enable-worker=true --kubelet-extra-args=--hostname-override=c1 && systemctl start k0scontroller`);
    expect(await waitFor(0, "k0s kubectl --data-dir=/var/lib/k0s get --raw=/readyz")).toBe("ok\n");
    expect(await members(0)).toEqual({ c1: "https://127.0.0.66:2380" });

    expect(await ok(0, "k0s ctr images list -q")).toBe("bundle_file\n");
    expect(await ok(0, "k0s ctr -n k8s.io images ls")).toContain(`sha256:${sha256(bundle)}`);
    expect(state().images.c1).toEqual([expect.objectContaining({ name: "bundle_file", sha256: sha256(bundle), size: bundle.length })]);
    expect(await ok(0, "k0s kubectl get nodes -o name")).toBe("node/c1\n");

    expect(state().manifests).toMatchObject({
      appliedBy: "c1",
      stacks: { flannel: { files: { "kube-flannel.yaml": sha256(flannel) }, objects: ["Namespace/kube-flannel", "DaemonSet/kube-flannel/kube-flannel-ds"] } },
    });
    // k0s keeps applying the folder: a stack added while it runs shows up within a few seconds.
    await ok(0, "mkdir -p /var/lib/k0s/manifests/extra && printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: extra\\n  namespace: default\\n' > /var/lib/k0s/manifests/extra/cm.yaml");
    expect(await waitUntil("the stack `extra` in manifests.json", () => state().manifests?.stacks.extra)).toEqual({ files: { "cm.yaml": expect.stringMatching(/^[0-9a-f]{64}$/) }, objects: ["ConfigMap/default/extra"] });
  });

  it("prints the admin kubeconfig and user kubeconfigs with certificates from the cluster CA", async () => {
    expect(await on(1, "k0s kubeconfig admin")).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error: failed to read admin config, check if the control plane is initialized on this node: open \/var\/lib\/k0s\/pki\/admin.conf/) });
    const admin = parse(await ok(0, "k0s kubeconfig admin --data-dir=/var/lib/k0s")) as Kubeconfig;
    // k0s swaps admin.conf's https://localhost:6443 for the API address of its config.
    expect(admin.clusters[0]?.cluster.server).toBe("https://127.0.0.66:6443");
    expect(await readFile(join(host(0).root, "var/lib/k0s/pki/admin.conf"), "utf8")).toContain("server: https://localhost:6443\n");
    const caFile = join(host(0).root, "var/lib/k0s/pki/ca.crt");
    expect(Buffer.from(admin.clusters[0]?.cluster["certificate-authority-data"] ?? "", "base64").toString()).toBe(await readFile(caFile, "utf8"));
    expect(await certSubject(admin, caFile)).toMatch(/O ?= ?system:masters, ?CN ?= ?kubernetes-admin/);

    const alice = parse(await ok(0, "k0s kubeconfig create --groups devs alice")) as Kubeconfig;
    expect(alice).toMatchObject({ "current-context": "k0s", users: [{ name: "alice" }], clusters: [{ cluster: { server: "https://127.0.0.66:6443" } }] });
    expect(await certSubject(alice, caFile)).toMatch(/O ?= ?devs, ?CN ?= ?alice/);
    expect(await on(0, "k0s kubeconfig create")).toMatchObject({ code: 1, stderr: "Error: requires at least 1 arg(s), only received 0\n" });
  });

  it("joins a second controller and a worker with tokens, then invalidates them", async () => {
    const controllerToken = (await ok(0, "k0s token create --data-dir=/var/lib/k0s --role=controller --expiry=30m0s")).trim();
    await ok(1, `umask 077 && printf %s '${controllerToken}' > /etc/k0s/k0stoken && ${install} --token-file=/etc/k0s/k0stoken && systemctl start k0scontroller`);
    await waitFor(1, "k0s kubectl get --raw=/readyz");
    expect(await members(1)).toEqual({ c1: "https://127.0.0.66:2380", c2: "https://127.0.0.67:2380" });
    expect(await readFile(join(host(1).root, "var/lib/k0s/pki/ca.crt"), "utf8")).toBe(await readFile(join(host(0).root, "var/lib/k0s/pki/ca.crt"), "utf8"));
    const id = (await ok(0, "k0s token list --role=controller")).split("\n")[1]?.split("\t")[0] ?? "";
    expect(await ok(0, `k0s token invalidate --data-dir=/var/lib/k0s ${id}`)).toBe(`token ${id} deleted successfully\n`);
    expect(await ok(0, "k0s token list --role=controller")).toBe("No k0s join tokens found\n");
    expect(await on(0, `k0s token invalidate ${id}`)).toMatchObject({ code: 1, stderr: "Error: token not found\n" });

    const workerToken = (await ok(0, "k0s token create --role=worker --expiry=10m0s")).trim();
    await ok(2, `printf %s '${workerToken}' > /etc/k0s/k0stoken && k0s install worker --data-dir=/var/lib/k0s --token-file=/etc/k0s/k0stoken '--kubelet-extra-args=--hostname-override=worker-one --v=2'`);
    // keel's environment drop-in, written between install and start
    await ok(2, "mkdir -p /etc/systemd/system/k0sworker.service.d && printf '[Service]\\nEnvironment=\"HTTP_PROXY=http://proxy:3128\" NO_PROXY=10.0.0.0/8\\n' > /etc/systemd/system/k0sworker.service.d/env.conf && systemctl daemon-reload && systemctl start k0sworker");
    await waitFor(0, "k0s kubectl get node worker-one -o json | grep -q '\"status\": \"True\"'");
    const pid = (JSON.parse(await ok(2, "k0s status -o json")) as { Pid: number }).Pid;
    expect(await ok(2, `tr '\\0' '\\n' < /proc/${pid}/environ | grep PROXY | sort`)).toBe("HTTP_PROXY=http://proxy:3128\nNO_PROXY=10.0.0.0/8\n");
    expect(state().images.w1).toEqual([expect.objectContaining({ name: "bundle_file", sha256: sha256(bundle) })]);
    await ok(0, `k0s token invalidate ${(await ok(0, "k0s token list --role=worker")).split("\n")[1]?.split("\t")[0] ?? ""}`);
    expect(state().tokens).toEqual([]);
  });

  it("applies manifests from stdin (YAML or JSON) and records each object", async () => {
    const docs = "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: demo\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo-cfg\n  namespace: demo\ndata:\n  a: \"1\"\n";
    await put(0, "tmp/docs.yaml", docs);
    expect(await ok(0, "k0s kubectl --data-dir=/var/lib/k0s apply -f - < /tmp/docs.yaml")).toBe("namespace/demo created\nconfigmap/demo-cfg created\n");
    expect(await ok(0, "k0s kubectl apply -f - < /tmp/docs.yaml")).toBe("namespace/demo unchanged\nconfigmap/demo-cfg unchanged\n");
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "demo" }, spec: { replicas: 2 } };
    expect(await ok(0, `echo '${JSON.stringify(deployment)}' | k0s kubectl apply -f -`)).toBe("deployment.apps/web created\n");
    expect(state().applied.map((o) => o.key).sort()).toEqual(["ConfigMap/demo/demo-cfg", "Deployment/demo/web", "Namespace/demo"]);
    expect(state().applied.find((o) => o.kind === "Deployment")?.object).toEqual(deployment);
    expect(await on(0, "printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: {}\\n' | k0s kubectl apply -f -")).toMatchObject({ code: 1, stderr: expect.stringMatching(/resource name may not be empty/) });
    expect(await on(0, "echo 'kind: [' | k0s kubectl apply -f -")).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error: error parsing STDIN: yaml/) });
    expect(await on(2, "k0s kubectl apply -f - < /dev/null")).toMatchObject({ code: 1, stderr: expect.stringMatching(/connection to the server localhost:6443 was refused/) });
  });

  it("upgrades a worker and a controller by replacing the binary and reinstalling with --force", async () => {
    const target = "v1.22.4+k0s.0";
    await ok(2, "systemctl stop k0sworker");
    await writeStandin(join(host(2).root, "usr/local/bin/k0s"), target);
    expect(await ok(2, "k0s version")).toBe(`${target}\n`);
    await ok(2, "k0s install worker --force --data-dir=/var/lib/k0s --token-file=/etc/k0s/k0stoken '--kubelet-extra-args=--hostname-override=worker-one --v=2' && systemctl start k0sworker");
    expect(JSON.parse(await waitFor(2, "k0s status -o json"))).toMatchObject({ Version: target, Role: "worker" });
    // The new daemon's first heartbeat carries the new version before it is
    // Ready: wait for the row this test asserts, not for the version alone.
    expect(await waitFor(0, "k0s kubectl get nodes --no-headers | grep -E '^worker-one +Ready +<none> +v1\\.22\\.4\\+k0s$'")).toMatch(/^worker-one +Ready +<none> +v1\.22\.4\+k0s$/m);

    await ok(1, "systemctl stop k0scontroller");
    await writeStandin(join(host(1).root, "usr/local/bin/k0s"), target);
    await ok(1, `${install} --force --token-file=/etc/k0s/k0stoken && systemctl start k0scontroller`);
    await waitFor(1, "k0s kubectl get --raw=/readyz");
    expect(JSON.parse(await ok(1, "k0s status -o json"))).toMatchObject({ Version: target, Role: "controller" });
    expect(await members(0)).toEqual({ c1: "https://127.0.0.66:2380", c2: "https://127.0.0.67:2380" });
  });

  it("removes a controller: etcd leave while it runs, stop, reset; its old token cannot bring it back", async () => {
    expect(await on(1, "k0s etcd leave --peer-address=127.0.0.67 --data-dir=/var/lib/k0s")).toMatchObject({ code: 0, stderr: expect.stringMatching(/Successfully deleted/) });
    expect(await members(0)).toEqual({ c1: "https://127.0.0.66:2380" });
    // Its etcd is out of the cluster: its API server is no longer ready.
    expect(await on(1, "k0s kubectl get --raw=/readyz")).toMatchObject({ code: 1, stdout: expect.stringMatching(/etcd failed/) });
    expect(await on(0, "k0s etcd leave --peer-address=127.0.0.67")).toMatchObject({ code: 1, stderr: expect.stringMatching(/peer not found: https:\/\/127.0.0.67:2380/) });

    await ok(1, "k0s stop");
    expect(await on(1, "k0s etcd member-list")).toMatchObject({ code: 1, stderr: "Error: k0s is not running\n" });
    expect(await on(1, "k0s kubeconfig admin")).toMatchObject({ code: 1, stderr: "Error: k0s is not running\n" });
    expect(await on(1, "k0s reset --data-dir=/var/lib/k0s")).toMatchObject({ code: 0 });
    expect(existsSync(join(host(1).root, "etc/systemd/system/k0scontroller.service"))).toBe(false);
    expect((await on(1, "ls -A /var/lib/k0s")).stdout).toBe("");

    // /etc/k0s/k0stoken still holds the controller token invalidated earlier.
    await ok(1, `${install} --token-file=/etc/k0s/k0stoken && systemctl start k0scontroller`);
    await waitForFailedStart(1, "k0scontroller.service", /join token \w+ is not valid/);
    expect(await on(1, "systemctl is-active k0scontroller")).toMatchObject({ code: 3, stdout: "inactive\n" });
    expect(await members(0)).toEqual({ c1: "https://127.0.0.66:2380" });
  });
});

interface Kubeconfig {
  "current-context": string;
  clusters: { name: string; cluster: { server: string; "certificate-authority-data": string } }[];
  users: { name: string; user: { "client-certificate-data": string; "client-key-data": string } }[];
}

/** The client certificate's subject, after `openssl verify` checked it against the CA. */
async function certSubject(kubeconfig: Kubeconfig, caFile: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "keel-cert-"));
  try {
    const user = kubeconfig.users[0]?.user;
    const cert = join(dir, "client.crt");
    await writeFile(cert, Buffer.from(user?.["client-certificate-data"] ?? "", "base64"));
    expect(Buffer.from(user?.["client-key-data"] ?? "", "base64").toString()).toMatch(/^-----BEGIN (EC )?PRIVATE KEY-----/);
    const run = promisify(execFile);
    expect((await run("openssl", ["verify", "-CAfile", caFile, cert])).stdout).toContain(": OK");
    return (await run("openssl", ["x509", "-noout", "-subject", "-in", cert])).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
