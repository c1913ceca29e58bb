import { ClusterName } from "../../schema/api";
import { ScheduleResponse, SchedulePolicy, type ScheduleView } from "../../schema/schedule-api";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";

const USAGE = `usage: keel schedule get CLUSTER [--json]
       keel schedule set CLUSTER [--inventory-at HH:MM] [--renew-window DAYS@HH:MM-HH:MM [--renew-within DAYS]] [--backup-every HOURS]
       keel schedule clear CLUSTER

get    the cluster's schedule and what it last did: the last run it started,
       the last one it skipped (a busy cluster is skipped and retried at the
       next 5-minute tick) and renewal windows it missed. Viewer token.
set    replaces the schedule (admin token). Times are UTC:
         --inventory-at 03:00             a certificate inventory every day at 03:00
         --renew-window mon,thu@02:00-04:00
                                          renew certificates inside this window when a
                                          leaf certificate of the last inventory ends
                                          within --renew-within days (default 30)
         --backup-every 24                a backup every 24 hours (the relay's
                                          backups.keep decides how many are kept)
clear  removes the schedule (admin token).

      --json            get: print the API's JSON
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API; 2 wrong command line.`;

export const scheduleCommand: Command = {
  summary: "show, set or clear a cluster's schedule of inventories, renewals and backups",
  usage: USAGE,
  run: runSchedule,
};

const VERBS = ["get", "set", "clear"] as const;

async function runSchedule(args: string[], io: CliIo): Promise<number> {
  const options = {
    json: { type: "boolean" },
    "inventory-at": { type: "string" },
    "renew-window": { type: "string" },
    "renew-within": { type: "string" },
    "backup-every": { type: "string" },
    help: { type: "boolean", short: "h" },
    ...API_OPTIONS,
  } as const;
  const cmd = parseCommandLine("schedule", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  const [verb, cluster, ...extra] = positionals;
  if (!VERBS.some((v) => v === verb)) return usageError(io, "schedule", USAGE, "give get, set or clear");
  if (cluster === undefined || extra.length > 0) return usageError(io, "schedule", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(cluster);
  if (!name.success) return usageError(io, "schedule", USAGE, `${JSON.stringify(cluster)} is not a cluster name`);
  let policy: SchedulePolicy | null = null;
  if (verb === "set") {
    const built = policyFrom(values);
    if (!built.ok) return usageError(io, "schedule", USAGE, built.message);
    policy = built.policy;
  }
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "schedule", api.message);
  const path = `/v1/clusters/${encodeURIComponent(name.data)}/schedule`;
  return reportingFailures(io, async () => {
    if (verb === "clear") {
      await api.client.json("DELETE", path, ScheduleResponse);
      io.out(`schedule of ${name.data} cleared`);
      return EXIT_OK;
    }
    const res = policy ? await api.client.json("PUT", path, ScheduleResponse, { body: policy }) : await api.client.json("GET", path, ScheduleResponse);
    if (values.json === true) io.out(JSON.stringify(res, null, 2));
    else for (const line of formatSchedule(res.schedule)) io.out(line);
    return EXIT_OK;
  });
}

interface PolicyFlags {
  "inventory-at"?: string;
  "renew-window"?: string;
  "renew-within"?: string;
  "backup-every"?: string;
}

/** The flags as a policy, checked with the API's own schema so a mistake is caught before anything is sent. */
function policyFrom(flags: PolicyFlags): { ok: true; policy: SchedulePolicy } | { ok: false; message: string } {
  const raw: Record<string, unknown> = {};
  if (flags["inventory-at"] !== undefined) raw.certInventory = { dailyAt: flags["inventory-at"] };
  if (flags["renew-within"] !== undefined && flags["renew-window"] === undefined) return { ok: false, message: "--renew-within needs --renew-window" };
  if (flags["renew-window"] !== undefined) {
    const m = /^([a-z,]+)@(\d\d:\d\d)-(\d\d:\d\d)$/.exec(flags["renew-window"]);
    if (!m) return { ok: false, message: `--renew-window ${JSON.stringify(flags["renew-window"])}: write DAYS@HH:MM-HH:MM, e.g. mon,thu@02:00-04:00` };
    const window = { days: (m[1] ?? "").split(","), start: m[2], end: m[3] };
    raw.autoRenew = { window, ...(flags["renew-within"] !== undefined ? { withinDays: Number(flags["renew-within"]) } : {}) };
  }
  if (flags["backup-every"] !== undefined) raw.backup = { everyHours: Number(flags["backup-every"]) };
  const parsed = SchedulePolicy.safeParse(raw);
  if (parsed.success) return { ok: true, policy: parsed.data };
  const flag: Record<string, string> = { certInventory: "--inventory-at", autoRenew: "--renew-window", backup: "--backup-every" };
  const problems = parsed.error.issues.map((i) => {
    const field = i.path.join(".");
    const name = field === "autoRenew.withinDays" ? "--renew-within" : (flag[String(i.path[0])] ?? "set");
    return `${name}: ${i.message}`;
  });
  return { ok: false, message: problems.join("; ") };
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/:00\.000Z$/, "Z");

function formatSchedule(s: ScheduleView): string[] {
  const p = s.policy;
  const rows: [string, string][] = [["cluster", s.cluster]];
  rows.push(["inventory", p.certInventory ? `daily at ${p.certInventory.dailyAt} UTC` : "-"]);
  rows.push(["auto-renew", p.autoRenew ? `leaf certificates ending within ${p.autoRenew.withinDays} days, ${p.autoRenew.window.days.join(",")} ${p.autoRenew.window.start}-${p.autoRenew.window.end} UTC` : "-"]);
  rows.push(["backup", p.backup ? `every ${p.backup.everyHours} hours` : "-"]);
  const { lastRun, lastSkipped, missedWindows } = s.status;
  rows.push(["last run", lastRun ? `${iso(lastRun.at)} ${lastRun.operation} ${lastRun.runId}` : "-"]);
  rows.push(["last skipped", lastSkipped ? `${iso(lastSkipped.at)} ${lastSkipped.operation}: ${lastSkipped.reason}` : "-"]);
  if (missedWindows.length === 0) rows.push(["missed", "-"]);
  for (const m of missedWindows) rows.push(["missed", `renewal window ${iso(m.start)} to ${iso(m.end)}: ${m.reason}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}
