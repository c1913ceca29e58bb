// `npm run demo`: five simulated hosts (real sshd), the local API and a relay,
// then `keel apply` of the seed article's section 3.2 cluster (3 controller+worker
// behind an external address, 2 workers, offline: uploaded k0s binary, image
// bundle, flannel through custom CNI, CNI plugins by glob). It ends by asking the
// cluster for its nodes. Everything is torn down at the end.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { startHosts, stopHostsIn, writeFixtureFiles } from "../sim/harness";
import { sshRun } from "../sim/ssh-client";
import { freePort } from "./local/free-port";
import { startK0sDownloadServer } from "./local/k0s-download-server";
import { REPO_ROOT } from "./local/local-api";
import { startLocalStack } from "./local/stack";
import { stopChild } from "./local/stop-child";

const args = process.argv.slice(2);
// `npm run demo -- --no-tour` stops after the install.
const tour = !args.includes("--no-tour");
const example = args.find((a) => !a.startsWith("--")) ?? join(REPO_ROOT, "examples", "local", "seed-3.2-ha-offline.yaml");
const demoDir = join(REPO_ROOT, ".keel", "demo");
const simDir = join(demoDir, "sim");
// A previous demo killed hard may have left its hosts running: stop them while
// their pid files still exist, then start clean.
await stopHostsIn(simDir).catch(() => undefined);
await rm(demoDir, { recursive: true, force: true });

// Ctrl-C tears down like a normal end: the hosts and wrangler run detached.
// Whatever already died (a relay killed mid-run) must not hold the rest up, so
// every step is bounded, and the hosts, pushed first, are stopped last.
const teardown: { what: string; stop: () => Promise<unknown> }[] = [];
const STEP_LIMIT_MS = 20_000;
let tearing: Promise<void> | undefined;
/** Runs the teardown once; a second caller (another signal, the normal end) waits for the same one. */
function tearDown(): Promise<void> {
  tearing ??= stopAll();
  return tearing;
}
async function stopAll(): Promise<void> {
  for (const step of teardown.splice(0).reverse()) {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`did not stop within ${STEP_LIMIT_MS / 1000}s`), STEP_LIMIT_MS)));
    const outcome = await Promise.race([step.stop().then(() => "", (err: unknown) => (err instanceof Error ? err.message : String(err))), limit]);
    clearTimeout(timer);
    if (outcome) console.error(`stopping ${step.what}: ${outcome}`);
  }
}
// npm and tsx pass Ctrl-C on as SIGINT and SIGTERM: the first signal starts
// the teardown, later ones wait for it rather than exiting half-way.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (!tearing) console.log(`\n${signal}: stopping the relay, the API and the simulated hosts…`);
    void tearDown().finally(() => process.exit(130));
  });
}

const CLUSTER = "k0s-cluster";
/** The day-2 tour after the install: each line is a keel command, run as a user would. */
const DAY2_TOUR: string[][] = [
  ["certs", "inventory", CLUSTER],
  ["certs", CLUSTER],
  ["certs", "renew", CLUSTER],
  ["backup", "create", CLUSTER],
  ["backup", "list", CLUSTER],
  ["kubeconfig", "create", CLUSTER, "--user", "testUser", "--group", "system:masters", "--cluster-admin", "-o", join(demoDir, "testUser.kubeconfig")],
  ["lb-config", CLUSTER, "--format", "haproxy"],
];

console.log("starting 5 simulated hosts (sshd on 127.0.0.11-15)…");
const hosts = await startHosts({ count: 5, dir: simDir, hostnames: ["k1", "k2", "k3", "k4", "k5"] });
teardown.push({ what: "the simulated hosts", stop: () => hosts.stop() });
let exitCode = 1;
try {
  await writeFixtureFiles(simDir);
  // Only specs with k0sDownloadURL use it; 3.2 uploads the binary from the relay.
  const download = await startK0sDownloadServer();
  teardown.push({ what: "the k0s download server", stop: () => download.stop() });
  console.log("starting the API (wrangler dev, local D1) and a relay…");
  const token = `keel_admin_${randomBytes(18).toString("base64url")}`;
  const stack = await startLocalStack({ port: await freePort(), stateDir: join(demoDir, "state"), adminToken: token, uploadRoots: [join(simDir, "files")], allowedUrls: [`${download.url}/`], backups: { keep: 3 } });
  teardown.push({ what: "the relay and the API", stop: () => stack.stop() });
  try {
    console.log(`$ keel apply -c ${example.replace(`${REPO_ROOT}/`, "")} --site ${stack.site}\n`);
    exitCode = await new Promise<number>((resolve) => {
      const cli = spawn(process.execPath, [join(REPO_ROOT, "bin", "keel.js"), "apply", "-c", example, "--site", stack.site], {
        stdio: "inherit",
        env: { ...process.env, KEEL_API_URL: stack.api.url, KEEL_TOKEN: token, KEEL_SIM_DIR: simDir, KEEL_K0S_URL: download.url },
      });
      // On Ctrl-C the CLI cancels its run; with the relay gone that could wait for ever.
      teardown.push({ what: "keel apply", stop: () => stopChild(cli) });
      cli.on("exit", (code) => resolve(code ?? 1));
    });
    if (exitCode === 0) {
      console.log("\n$ k0s kubectl get nodes   (on k1)");
      const nodes = await sshRun(hosts, hosts.hosts[0] ?? { address: "127.0.0.11", port: 22 }, "k0s kubectl get nodes");
      process.stdout.write(nodes.stdout || nodes.stderr);
    }
    if (exitCode === 0 && tour) {
      const env = { ...process.env, KEEL_API_URL: stack.api.url, KEEL_TOKEN: token };
      const keel = (argv: string[]) =>
        new Promise<number>((resolve) => {
          console.log(`\n$ keel ${argv.join(" ")}`);
          const cli = spawn(process.execPath, [join(REPO_ROOT, "bin", "keel.js"), ...argv], { stdio: "inherit", env });
          teardown.push({ what: `keel ${argv[0] ?? ""}`, stop: () => stopChild(cli) });
          cli.on("exit", (code) => resolve(code ?? 1));
        });
      console.log("\n==> Day 2: what a team does with the running cluster");
      for (const argv of DAY2_TOUR) {
        const code = await keel(argv);
        if (code !== 0) {
          exitCode = code;
          break;
        }
      }
    }
  } finally {
    await tearDown();
  }
} finally {
  await tearDown();
}
process.exit(exitCode);
