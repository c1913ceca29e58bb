import type { ChangesView, DryRunResponse, PlanView } from "./responses";

/**
 * A dry run for people: the phases in order with each host's steps, then
 * what would change. Returns lines for stdout; warnings go to stderr.
 */
export function formatDryRun(cluster: string, dry: DryRunResponse): string[] {
  const revision = dry.revision !== undefined ? ` (revision ${dry.revision})` : "";
  return [`Dry run for ${cluster}${revision}: no host was touched.`, "", ...formatPlan(dry.plan), "", ...formatChanges(dry.changes)];
}

export function formatPlan(plan: PlanView): string[] {
  if (plan.phases.length === 0) return ["Plan: nothing to do."];
  const lines = [`Plan (${plan.phases.length} ${plan.phases.length === 1 ? "phase" : "phases"}):`];
  plan.phases.forEach((phase, i) => {
    lines.push(`  ${i + 1}. ${phase.name}`);
    const byHost = new Map<string, string[]>();
    for (const step of phase.steps) {
      const host = hostLabel(step.host);
      byHost.set(host, [...(byHost.get(host) ?? []), step.kind]);
    }
    for (const [host, kinds] of byHost) lines.push(`       ${host}: ${kinds.join(", ")}`);
  });
  return lines;
}

function hostLabel(host: PlanView["phases"][number]["steps"][number]["host"]): string {
  if (host === null || host === undefined) return "(api)";
  if (typeof host === "string") return host;
  return host.port !== undefined ? `${host.address}:${host.port}` : host.address;
}

function formatChanges(changes: ChangesView): string[] {
  const lines: string[] = [];
  const list = (label: string, hosts: string[]) => {
    if (hosts.length > 0) lines.push(`  ${label}: ${hosts.join(", ")}`);
  };
  list("hosts added", changes.hostsAdded);
  list("hosts removed (left alone; mark them reset to remove k0s)", changes.hostsRemoved);
  list("hosts reset", changes.hostsReset);
  if (changes.version) lines.push(`  k0s version: ${changes.version.from ?? "(none)"} -> ${changes.version.to}`);
  for (const f of changes.files) lines.push(`  files: ${describeFileChange(f)}`);
  if (changes.config.length > 0) {
    lines.push("  k0s config:");
    for (const c of changes.config) lines.push(`    ${describeConfigChange(c)}`);
  }
  const actions = describeActions(changes.actions);
  if (actions.length > 0) lines.push("  host actions:", ...actions.map((a) => `    ${a}`));
  return lines.length > 0 ? ["Changes:", ...lines] : ["Changes: none."];
}

// The sub-shapes below are read loosely: an unknown shape is shown as JSON rather than refused.

function describeFileChange(f: unknown): string {
  if (!isRecord(f)) return compact(f);
  const host = typeof f.host === "string" ? `${f.host}: ` : "";
  const parts = (["added", "removed", "changed"] as const).flatMap((k) => {
    const names = f[k];
    return Array.isArray(names) && names.length > 0 ? [`${k} ${names.map((n) => (typeof n === "string" ? n : compact(n))).join(", ")}`] : [];
  });
  return parts.length > 0 ? `${host}${parts.join("; ")}` : compact(f);
}

function describeConfigChange(c: unknown): string {
  if (!isRecord(c) || typeof c.path !== "string") return compact(c);
  if (!("from" in c)) return `${c.path}: + ${compact(c.to)}`;
  if (!("to" in c)) return `${c.path}: - ${compact(c.from)}`;
  return `${c.path}: ${compact(c.from)} -> ${compact(c.to)}`;
}

function describeActions(actions: unknown): string[] {
  if (!isRecord(actions)) return actions === undefined || actions === null ? [] : [compact(actions)];
  return Object.entries(actions).map(([host, action]) => `${host}: ${typeof action === "string" ? action : compact(action)}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function compact(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}
