import { displayK0sVersion, type ClusterSpec } from "../../schema/cluster";
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, type CliIo, type Command } from "../command";
import { parseCommandLine } from "../parse-args";
import { loadConfigFiles, reportLoad, stdinTwice } from "../read-config";

const USAGE = `usage: keel validate [-c FILE]...

Checks a k0sctl.yaml offline, the way the keel API will: envsubst (from this
shell's environment), extra YAML documents, every field rule.

  -c, --config FILE   k0sctl.yaml to read; "-" reads standard input. Repeat to
                      combine files, like k0sctl. Default: k0sctl.yaml
  -h, --help          show this help

Exit status: 0 valid, 1 invalid or unreadable, 2 wrong command line.`;

export const validateCommand: Command = {
  summary: "check a k0sctl.yaml offline and summarize it",
  usage: USAGE,
  run: runValidate,
};

async function runValidate(args: string[], io: CliIo): Promise<number> {
  const cmd = parseCommandLine("validate", USAGE, { args, options: { config: { type: "string", short: "c", multiple: true }, help: { type: "boolean", short: "h" } } }, io);
  if (!cmd.ok) return cmd.exit;
  const paths = cmd.parsed.values.config ?? ["k0sctl.yaml"];
  if (stdinTwice(paths)) {
    io.err('keel validate: "-c -" (standard input) can be given only once');
    return EXIT_USAGE;
  }
  const spec = reportLoad(await loadConfigFiles(paths, io), io);
  if (spec === null) return EXIT_INVALID;
  io.out(summarize(spec));
  return EXIT_OK;
}

const ROLE_ORDER = ["single", "controller", "controller+worker", "worker"] as const;

/** "k0s-cluster: 5 hosts (3 controller+worker, 2 worker), k0s v1.21.2+k0s.1" */
export function summarize(cluster: ClusterSpec): string {
  const hosts = cluster.spec.hosts;
  const counts = ROLE_ORDER.map((role) => [role, hosts.filter((h) => h.role === role).length] as const)
    .filter(([, n]) => n > 0)
    .map(([role, n]) => `${n} ${role}`);
  const k0s = cluster.spec.k0s.version !== undefined ? displayK0sVersion(cluster.spec.k0s.version) : `(newest ${cluster.spec.k0s.versionChannel})`;
  return `${cluster.metadata.name}: ${hosts.length} ${hosts.length === 1 ? "host" : "hosts"} (${counts.join(", ")}), k0s ${k0s}`;
}
