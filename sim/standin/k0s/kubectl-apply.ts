import { readFileSync } from "node:fs";
import type { Flags } from "./flags";
import { HOST, cluster, out, sha256Of } from "./host";
import { kubectlError } from "./nodes";
import { objectKey } from "./workloads";
import { YamlError, isMap, parseYamlDocs } from "./yaml";

// `kubectl apply -f FILE|-`: YAML or JSON documents (and Lists); each object is
// recorded as <clusterStateDir>/applied/<Kind>_<namespace>_<name>.json.

interface KubeObject extends Record<string, unknown> {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** kubectl's name for a resource: "configmap", "daemonset.apps", "clusterrole.rbac.authorization.k8s.io". */
const resourceName = (doc: KubeObject): string => `${doc.kind.toLowerCase()}${doc.apiVersion.includes("/") ? `.${doc.apiVersion.split("/")[0]}` : ""}`;

export function apply(flags: Flags): number {
  const files = flags.list("filename") ?? [];
  if (files.length === 0) return kubectlError("must specify one of -f and -k");
  const objects: KubeObject[] = [];
  for (const file of files) {
    const source = file === "-" ? "STDIN" : file;
    let docs: unknown[];
    try {
      docs = parseYamlDocs(readFileSync(file === "-" ? 0 : file, "utf8"));
    } catch (err) {
      return kubectlError(err instanceof YamlError ? `error parsing ${source}: ${err.message}` : `the path "${file}" does not exist`);
    }
    for (const doc of docs.flatMap((d) => (isMap(d) && d.kind === "List" && Array.isArray(d.items) ? (d.items as unknown[]) : [d]))) {
      if (!isMap(doc)) return kubectlError(`error validating "${source}": error validating data: invalid object to validate`);
      const missing = ["apiVersion", "kind"].filter((k) => typeof doc[k] !== "string" || doc[k] === "");
      if (missing.length) return kubectlError(`error validating "${source}": error validating data: [${missing.map((k) => `${k} not set`).join(", ")}]; if you choose to ignore these errors, turn validation off with --validate=false`);
      const meta = isMap(doc.metadata) ? doc.metadata : undefined;
      if (typeof meta?.name !== "string" || meta.name === "") return kubectlError(`error when retrieving current configuration of:\nResource: "${String(doc.kind)}", Name: "", Namespace: "${typeof meta?.namespace === "string" ? meta.namespace : ""}"\nfrom server for: "${source}": resource name may not be empty`);
      objects.push(doc as KubeObject);
    }
  }
  const dryRun = flags.string("dry-run");
  if (dryRun && dryRun !== "none") {
    out(objects.map((o) => `${resourceName(o)}/${o.metadata.name} created (dry run)`).join("\n"));
    return 0;
  }
  for (const doc of objects) {
    const file = [doc.kind, doc.metadata.namespace ?? "", doc.metadata.name].join("_");
    const sha256 = sha256Of(JSON.stringify(doc));
    const prev = cluster.get("applied", file);
    cluster.put("applied", file, { key: objectKey(doc), apiVersion: doc.apiVersion, kind: doc.kind, namespace: doc.metadata.namespace, name: doc.metadata.name, sha256, appliedBy: HOST.hostname, object: doc });
    out(`${resourceName(doc)}/${doc.metadata.name} ${!prev ? "created" : prev.sha256 === sha256 ? "unchanged" : "configured"}`);
  }
  return 0;
}
