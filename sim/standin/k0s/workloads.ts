import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { HOST, cluster, isAlive, sha256Of, writeAtomic } from "./host";
import type { ImageBundle, ManifestStack } from "./state";
import { isMap, parseYamlDocs } from "./yaml";

// What a running k0s keeps doing: import image bundles (hosts that run
// workloads) and apply manifest stacks (the leader controller).

export type ImportedImage = ImageBundle & { stamp?: string };

/** Every file in <dataDir>/images is a bundle containerd imports; imported images stay when the file goes. */
export function importImages(dataDir: string, images: Map<string, ImportedImage>): void {
  const dir = join(dataDir, "images");
  let changed = false;
  for (const entry of existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : []) {
    if (!entry.isFile()) continue;
    const file = join(dir, entry.name);
    const st = statSync(file);
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (images.get(entry.name)?.stamp === stamp) continue;
    images.set(entry.name, { name: entry.name, sha256: sha256Of(readFileSync(file)), size: st.size, stamp, importedAt: new Date().toISOString() });
    changed = true;
  }
  if (changed || !cluster.get("images", HOST.hostname)) {
    const bundles = [...images.values()].sort((a, b) => a.name.localeCompare(b.name)).map(({ stamp: _stamp, ...b }) => b);
    cluster.put("images", HOST.hostname, { host: HOST.hostname, bundles });
  }
}

/** "Kind/name" for cluster-scoped objects, "Kind/namespace/name" otherwise. */
export function objectKey(doc: Record<string, unknown>): string {
  const meta = isMap(doc.metadata) ? doc.metadata : {};
  return [doc.kind, meta.namespace, meta.name].filter((p): p is string => typeof p === "string" && p !== "").join("/");
}

/**
 * k0s's applier runs on the leader controller only (the longest-running one
 * here): it applies <dataDir>/manifests/<stack>/*.yaml and the cluster ends up
 * with exactly the leader's stacks, recorded in <clusterStateDir>/manifests.json.
 * Returns what it recorded, to skip rewriting an unchanged record.
 */
export function applyManifestStacks(dataDir: string, last: string | undefined): string | undefined {
  const leader = cluster.list("controllers").filter(isAlive).sort((a, b) => a.since - b.since || a.host.localeCompare(b.host))[0];
  if (leader?.host !== HOST.hostname) return undefined;
  const root = join(dataDir, "manifests");
  const stacks: Record<string, ManifestStack> = {};
  const names = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];
  for (const stack of names) {
    const files: Record<string, string> = {};
    const objects: string[] = [];
    for (const file of readdirSync(join(root, stack)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort()) {
      const text = readFileSync(join(root, stack, file), "utf8");
      files[file] = sha256Of(text);
      try {
        for (const doc of parseYamlDocs(text)) if (isMap(doc) && doc.kind && isMap(doc.metadata)) objects.push(objectKey(doc));
      } catch {
        // k0s logs a stack it cannot parse and tries again later; the file is still recorded
      }
    }
    stacks[stack] = { files, objects };
  }
  const json = JSON.stringify(stacks);
  if (json !== last) writeAtomic(join(HOST.clusterDir, "manifests.json"), `${JSON.stringify({ appliedBy: HOST.hostname, updatedAt: new Date().toISOString(), stacks }, null, 2)}\n`);
  return json;
}
