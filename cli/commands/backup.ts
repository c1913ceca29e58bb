import { ClusterName } from "../../schema/api";
import { BackupList, type BackupView } from "../../schema/backup-api";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";
import { StartedRun } from "../responses";
import { watchRun } from "../watch-run";

const USAGE = `usage: keel backup create CLUSTER
       keel backup list CLUSTER [--json]

create  takes a backup (k0s backup on the leader), following the run. The
        archive holds the cluster's CA keys: it is stored encrypted on the
        site's relay and never reaches the API, which keeps its metadata.
        Needs an operator token.
list    the cluster's backups, newest first: verified ones can be restored,
        failed and deleted ones cannot.

      --json            list: print the API's JSON
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API, or the run failed; 2 wrong command
line; 130 interrupted.`;

export const backupCommand: Command = {
  summary: "take a cluster backup (create) or list a cluster's backups (list)",
  usage: USAGE,
  run: runBackup,
};

async function runBackup(args: string[], io: CliIo): Promise<number> {
  const options = { json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("backup", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  const [verb, cluster, ...extra] = positionals;
  if (verb !== "create" && verb !== "list") return usageError(io, "backup", USAGE, "give create or list");
  if (cluster === undefined || extra.length > 0) return usageError(io, "backup", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(cluster);
  if (!name.success) return usageError(io, "backup", USAGE, `${JSON.stringify(cluster)} is not a cluster name`);
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "backup", api.message);
  const path = `/v1/clusters/${encodeURIComponent(name.data)}/backups`;
  return reportingFailures(io, async () => {
    if (verb === "create") {
      const res = await api.client.json("POST", path, StartedRun);
      return watchRun(api.client, res.run.id, io);
    }
    const res = await api.client.json("GET", path, BackupList);
    if (values.json === true) io.out(JSON.stringify(res, null, 2));
    else for (const line of formatBackups(res.backups)) io.out(line);
    return EXIT_OK;
  });
}

function formatBackups(backups: readonly BackupView[]): string[] {
  if (backups.length === 0) return ["no backups"];
  const rows = backups.map((b) => {
    const what = [b.contents.storage ?? "no storage", b.contents.pki && "pki", b.contents.manifests && "manifests", b.contents.images && "images", b.contents.config && "k0s.yaml"].filter(Boolean).join(",");
    const state = b.status === "verified" ? "good" : b.status === "failed" ? `FAILED: ${b.error ?? "verification failed"}` : "deleted";
    return [b.id, new Date(b.createdAt).toISOString(), `${b.size}`, b.k0sVersion, b.host, what, state];
  });
  const head = ["ID", "CREATED", "BYTES", "K0S", "HOST", "CONTENTS", "STATUS"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  "));
}
