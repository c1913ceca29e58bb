import { isUtf8 } from "node:buffer";
import { open } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { displayK0sVersion, type ClusterSpec } from "../../schema/cluster";
import { loadClusterYaml, MAX_SPEC_BYTES } from "../../schema/cluster-load";
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, type CliIo, type Command } from "../command";

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
  let values: { config?: string[]; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { config: { type: "string", short: "c", multiple: true }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`keel validate: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    io.out(USAGE);
    return EXIT_OK;
  }
  const paths = values.config ?? ["k0sctl.yaml"];
  if (paths.filter((p) => p === "-").length > 1) {
    io.err('keel validate: "-c -" (standard input) can be given only once');
    return EXIT_USAGE;
  }

  const texts: string[] = [];
  for (const path of paths) {
    const read = await readConfig(path, io);
    if (!read.ok) {
      io.err(`${path}: ${read.message}`);
      return EXIT_INVALID;
    }
    texts.push(read.text);
  }

  const label = paths.map((p) => (p === "-" ? "<stdin>" : p)).join(" + ");
  const result = loadClusterYaml(texts, io.env);
  if (!result.ok) {
    io.err(`${label}: invalid (${result.errors.length} ${result.errors.length === 1 ? "error" : "errors"})`);
    for (const e of result.errors) io.err(`  ${e.path}: ${e.message}`);
    return EXIT_INVALID;
  }
  for (const w of result.warnings) io.err(`warning: ${w.path}: ${w.message}`);
  io.out(summarize(result.spec));
  return EXIT_OK;
}

type ReadResult = { ok: true; text: string } | { ok: false; message: string };

async function readConfig(path: string, io: CliIo): Promise<ReadResult> {
  let bytes: Buffer | null;
  if (path === "-") {
    bytes = await io.readStdin(MAX_SPEC_BYTES);
  } else {
    try {
      bytes = await readBounded(resolve(io.cwd, path), MAX_SPEC_BYTES);
    } catch (err) {
      const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
      return { ok: false, message: code === "ENOENT" ? "no such file" : `cannot read: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  if (bytes === null) return { ok: false, message: `larger than ${MAX_SPEC_BYTES} bytes` };
  if (!isUtf8(bytes)) return { ok: false, message: "is not UTF-8 text" };
  return { ok: true, text: bytes.toString("utf8") };
}

// Reads at most maxBytes + 1 so a huge (or endless, like /dev/zero) file is refused without reading it all.
async function readBounded(path: string, maxBytes: number): Promise<Buffer | null> {
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(maxBytes + 1);
    let size = 0;
    while (size < buf.length) {
      const { bytesRead } = await handle.read(buf, size, buf.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    return size > maxBytes ? null : buf.subarray(0, size);
  } finally {
    await handle.close();
  }
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
