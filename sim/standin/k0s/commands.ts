import { BACKUP, RESTORE } from "./backup";
import type { Command, CommandGroup } from "./command";
import { loadClusterConfig } from "./config";
import { ctr } from "./ctr";
import { daemon } from "./daemon";
import { ETCD } from "./etcd";
import { CONFIG, CONTROLLER, DATA_DIR, DEBUG, INSTALL_ONLY, STATUS_SOCKET, WORKER, bool, str } from "./flags";
import { DEFAULT_SOCKET, VERSION, fail, out } from "./host";
import { KUBECONFIG } from "./kubeconfig";
import { kubectl } from "./kubectl";
import { install, installedService, reset, systemctl } from "./service";
import { runningStatus } from "./status";
import { TOKEN } from "./token-commands";

// The command table: the subcommands and flags keel's relay uses, each with
// exactly k0s's flags for that command.

const service = (): string => installedService() ?? fail("k0s has not been installed as a service");

export const COMMANDS: Record<string, Command> = {
  version: {
    short: "Print the k0s version",
    flags: [bool("all", "a"), bool("json", "j")],
    args: [0, 0],
    run: ({ flags }) => out(flags.bool("json") ? JSON.stringify({ k0s: VERSION }) : VERSION),
  },
  status: {
    short: "Get k0s instance status information",
    flags: [str("output", "o"), ...STATUS_SOCKET, ...DEBUG],
    args: [0, 0],
    run: async ({ flags }) => {
      const s = await runningStatus(flags.string("status-socket") ?? DEFAULT_SOCKET);
      const output = flags.string("output");
      if (output === "json") return out(JSON.stringify(s, null, 2));
      if (output && output !== "yaml") fail(`unknown output format: ${output}`);
      out([`Version: ${s.Version}`, `Process ID: ${s.Pid}`, `Role: ${s.Role}`, `Workloads: ${s.Workloads}`, `SingleNode: ${s.SingleNode}`].join("\n"));
    },
  },
  install: {
    short: "Install k0s on a brand-new system. Must be run as root (or with sudo)",
    sub: {
      controller: { flags: [...CONTROLLER, ...DATA_DIR, ...CONFIG, ...STATUS_SOCKET, ...DEBUG, ...INSTALL_ONLY], args: [0, 0], run: ({ flags }) => install("controller", flags) },
      worker: { flags: [...WORKER, ...DATA_DIR, ...STATUS_SOCKET, ...DEBUG, ...INSTALL_ONLY], args: [0, 0], run: ({ flags }) => install("worker", flags) },
    },
  },
  controller: { short: "Run controller", flags: [...CONTROLLER, ...DATA_DIR, ...CONFIG, ...STATUS_SOCKET, ...DEBUG], args: [0, 1], run: ({ flags, args }) => daemon("controller", flags, args) },
  worker: { short: "Run worker", flags: [...WORKER, ...DATA_DIR, ...STATUS_SOCKET, ...DEBUG], args: [0, 1], run: ({ flags, args }) => daemon("worker", flags, args) },
  start: { short: "Start the k0s service configured on this host", flags: [...DEBUG], args: [0, 0], run: () => systemctl("start", service()) },
  stop: { short: "Stop the k0s service configured on this host", flags: [...DEBUG], args: [0, 0], run: () => systemctl("stop", service()) },
  reset: { short: "Uninstall k0s", flags: [...DATA_DIR, ...CONFIG, str("cri-socket"), str("kubelet-root-dir"), ...DEBUG], args: [0, 0], run: ({ flags }) => reset(flags) },
  token: TOKEN,
  kubectl: { short: "kubectl", raw: true, run: async ({ args }) => void (process.exitCode = await kubectl(args)) },
  kubeconfig: KUBECONFIG,
  etcd: ETCD,
  backup: BACKUP,
  restore: RESTORE,
  ctr: { short: "containerd CLI", raw: true, run: async ({ args }) => void (process.exitCode = await ctr(args)) },
  config: {
    short: "Configuration related sub-commands",
    sub: {
      validate: {
        flags: [...CONFIG, ...DEBUG],
        args: [0, 0],
        run: ({ flags }) => void loadClusterConfig(flags.string("config") ?? fail('required flag(s) "config" not set')),
      },
    },
  },
};

export const ROOT: CommandGroup = { sub: COMMANDS };
