import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Flags } from "./flags";
import { DEFAULT_DATA_DIR, HOST, SERVICES, UNIT_DIR, cluster, fail, writeAtomic } from "./host";
import type { Role } from "./state";
import { isRunning } from "./status";

// k0s as a service: `install` writes the unit file (what "installed" means),
// `start`/`stop` go through systemctl, `reset` removes it all — locally only.

export function installedService(): string | undefined {
  return Object.values(SERVICES).find((s) => existsSync(join(UNIT_DIR, `${s}.service`)));
}

export function systemctl(...args: string[]): void {
  const r = spawnSync("systemctl", args, { encoding: "utf8" });
  if (r.status !== 0) fail(`systemctl ${args.join(" ")}: ${(r.stderr || r.stdout || "").trim()}`);
}

/** systemd's quoting: one argument per word, double quotes around anything with spaces or quotes. */
const unitWord = (word: string): string => (/[\s"'\\]/.test(word) ? `"${word.replace(/["\\]/g, "\\$&")}"` : word);

export function install(role: Role, flags: Flags): void {
  const service = SERVICES[role];
  const unit = join(UNIT_DIR, `${service}.service`);
  const config = flags.string("config");
  if (role === "controller" && config && !existsSync(config)) fail(`failed to read config: open ${config}: no such file or directory`);
  if (existsSync(unit) && !flags.bool("force")) fail(`failed to install k0s service: Init already exists: ${unit}`);
  // k0s writes the flags that were set, sorted by name, as --name=value.
  const set = flags.entries().filter(([k]) => !["force", "env", "debug", "verbose"].includes(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const words = [realpathSync(process.argv[1] ?? "/usr/local/bin/k0s"), role, ...set.map(([k, v]) => `--${k}=${v}`)];
  const env = (flags.list("env") ?? []).map((e) => `Environment=${unitWord(e)}`);
  writeAtomic(unit, [
    "[Unit]", "Description=k0s - Zero Friction Kubernetes", "Documentation=https://docs.k0sproject.io", `ConditionFileIsExecutable=${words[0]}`,
    "After=network-online.target", "Wants=network-online.target", "", "[Service]", "StartLimitInterval=5", "StartLimitBurst=10",
    `ExecStart=${words.map(unitWord).join(" ")}`, ...env, "RestartSec=10", "Delegate=yes", "KillMode=process", "LimitCORE=infinity",
    "TasksMax=infinity", "TimeoutStartSec=0", "LimitNOFILE=999999", "Restart=always", "", "[Install]", "WantedBy=multi-user.target", "",
  ].join("\n"));
  systemctl("daemon-reload");
  systemctl("enable", service);
}

export async function reset(flags: Flags): Promise<void> {
  if (await isRunning()) fail("k0s seems to be running! please stop k0s before reset.");
  const dataDir = flags.string("data-dir") ?? DEFAULT_DATA_DIR;
  for (const service of Object.values(SERVICES)) {
    spawnSync("systemctl", ["disable", service]);
    rmSync(join(UNIT_DIR, `${service}.service`), { force: true });
    rmSync(join(UNIT_DIR, `${service}.service.d`), { recursive: true, force: true });
  }
  // The data dir may be a mount point: empty it rather than remove it.
  for (const dir of [dataDir, "/run/k0s"]) {
    for (const entry of existsSync(dir) ? readdirSync(dir) : []) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  // Like k0s, local only: the Node object and the etcd member stay in the cluster
  // (`kubectl delete node` and `k0s etcd leave` remove them). What goes is this
  // host's own record and the images its containerd held.
  cluster.remove("controllers", HOST.hostname);
  cluster.remove("images", HOST.hostname);
  console.error('level=info msg="k0s cleanup operations done."');
}
