import { DEFAULT_SOCKET, cluster, out } from "./host";
import { bool, parseFlags, str, strings, type FlagSpec, type Flags } from "./flags";
import { apply } from "./kubectl-apply";
import { nodeObject, nodeTable, taint } from "./nodes";
import { localStatus, socketGet } from "./status";

// `k0s kubectl`: only the verbs keel uses, against the cluster state.

const VERBS: Record<string, FlagSpec[]> = {
  get: [str("raw"), str("output", "o"), str("selector", "l"), bool("no-headers")],
  cordon: [],
  uncordon: [],
  drain: [bool("force"), str("grace-period"), str("timeout"), bool("delete-emptydir-data"), bool("ignore-daemonsets"), str("pod-selector"), bool("disable-eviction"), str("skip-wait-for-delete-timeout")],
  delete: [],
  taint: [bool("overwrite")],
  apply: [strings("filename", "f"), bool("server-side"), bool("force-conflicts"), str("field-manager"), str("validate"), bool("overwrite"), str("dry-run")],
};
const COMMON = [str("kubeconfig"), bool("all-namespaces", "A"), str("namespace", "n")];

function notFound(message: string): number {
  process.stderr.write(`Error from server (NotFound): ${message}\n`);
  return 1;
}

export async function kubectl(rawArgs: readonly string[]): Promise<number> {
  const args = [...rawArgs];
  // k0s takes its own --data-dir before handing the rest to kubectl.
  const dd = args.findIndex((a) => a === "--data-dir" || a.startsWith("--data-dir="));
  if (dd >= 0) args.splice(dd, args[dd]?.includes("=") ? 1 : 2);
  const verb = args.shift() ?? "";
  const specs = VERBS[verb];
  if (!specs) {
    process.stderr.write(`error: unknown command "${verb}" for "kubectl"\n`);
    return 1;
  }
  let flags: Flags;
  let positional: string[];
  try {
    ({ flags, positional } = parseFlags([...specs, ...COMMON], args));
  } catch (err) {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\nSee 'kubectl ${verb} --help' for usage.\n`);
    return 1;
  }
  const local = await localStatus();
  if (!local?.Role.startsWith("controller")) {
    process.stderr.write("The connection to the server localhost:6443 was refused - did you specify the right host or port?\n");
    return 1;
  }
  if (verb === "apply") return apply(flags);
  const raw = flags.string("raw");
  if (verb === "get" && raw !== undefined) {
    if (raw !== "/readyz" && raw !== "/livez" && raw !== "/readyz/etcd") return notFound("the server could not find the requested resource");
    const res = await socketGet(DEFAULT_SOCKET, raw === "/readyz/etcd" ? raw : "/readyz");
    out(res.body);
    return res.status === 200 ? 0 : 1;
  }
  const [kind, name] = verb === "get" || verb === "delete" || verb === "taint" ? positional : ["node", positional[0]];
  if (!/^(node|nodes|no)$/.test(kind ?? "")) return notFound(`the server doesn't have a resource type "${kind ?? ""}"`);
  let nodes = cluster.list("nodes");
  const selector = flags.string("selector");
  if (selector) {
    const [, want] = /^kubernetes\.io\/hostname=(.+)$/.exec(selector) ?? [];
    nodes = nodes.filter((n) => n.name === want);
  }
  if (name) {
    nodes = nodes.filter((n) => n.name === name);
    if (nodes.length === 0) return notFound(`nodes "${name}" not found`);
  }
  const node = nodes[0];
  switch (verb) {
    case "cordon":
    case "uncordon":
    case "drain":
      if (!node) return notFound("nodes not found");
      cluster.put("nodes", node.name, { ...node, unschedulable: verb !== "uncordon" });
      out(`node/${node.name} ${verb === "drain" ? `cordoned\nnode/${node.name} drained` : `${verb}ed`}`);
      return 0;
    case "taint":
      if (!node) return notFound("nodes not found");
      return taint(node, positional.slice(2), flags.bool("overwrite"));
    case "delete":
      if (!node) return notFound("nodes not found");
      cluster.remove("nodes", node.name);
      out(`node "${node.name}" deleted`);
      return 0;
  }
  const objects = nodes.sort((a, b) => a.name.localeCompare(b.name)).map(nodeObject);
  const output = flags.string("output");
  if (output === "json") out(JSON.stringify(name ? objects[0] : { apiVersion: "v1", kind: "List", items: objects }, null, 2));
  else if (output === "name") out(objects.map((o) => `node/${o.metadata.name}`).join("\n"));
  else out(nodeTable(objects, !flags.bool("no-headers")));
  return 0;
}
