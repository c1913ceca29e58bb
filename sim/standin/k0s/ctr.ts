import { HOST, cluster, out } from "./host";
import { localStatus } from "./status";

/** `k0s ctr`: containerd's ctr; the stand-in knows `images list` (the imported bundles), with -q. */
export async function ctr(args: readonly string[]): Promise<number> {
  const rest = [...args];
  while (/^(-n|--namespace|-a|--address)$/.test(rest[0] ?? "")) rest.splice(0, 2);
  while (/^--(namespace|address)=/.test(rest[0] ?? "")) rest.shift();
  const [group = "", verb = "", ...opts] = rest;
  if (!["images", "image", "i"].includes(group) || !["list", "ls"].includes(verb) || opts.some((o) => !["-q", "--quiet"].includes(o))) {
    process.stderr.write(`ctr: the k0s stand-in knows only \`ctr images list [-q]\`, not: ${args.join(" ")}\n`);
    return 1;
  }
  const local = await localStatus();
  if (!local?.Workloads) {
    process.stderr.write('ctr: failed to dial "/run/k0s/containerd.sock": context deadline exceeded\n');
    return 1;
  }
  const bundles = cluster.get("images", HOST.hostname)?.bundles ?? [];
  if (opts.length) {
    if (bundles.length) out(bundles.map((b) => b.name).join("\n"));
    return 0;
  }
  const header = ["REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS", "LABELS"];
  const rows = [header, ...bundles.map((b) => [b.name, "application/vnd.oci.image.index.v1+json", `sha256:${b.sha256}`, `${(b.size / 1024).toFixed(1)} KiB`, "linux/amd64", "-"])];
  const widths = header.map((_, k) => Math.max(...rows.map((r) => (r[k] ?? "").length)) + 1);
  out(rows.map((r) => r.map((c, k) => (k < r.length - 1 ? c.padEnd(widths[k] ?? 0) : c)).join("")).join("\n"));
  return 0;
}
