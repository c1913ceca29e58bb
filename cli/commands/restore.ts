import { ClusterName } from "../../schema/api";
import { BackupId } from "../../schema/steps-backup";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import type { CliIo, Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";
import { requestRestore } from "../restore-request";

const USAGE = `usage: keel restore CLUSTER --backup ID [--reset CLUSTER] [--dry-run] [--timeout SECONDS]

Restores a backup taken by \`keel backup create\` (k0sctl apply --restore-from):
stops and resets every controller, restores the backup onto the leader with
k0s restore, starts it, joins the other controllers with fresh tokens and
checks every worker is Ready again, rejoining (reset, then join with a fresh
token) each one that is not. Refused, with the reason, when the backup
is another cluster's, failed verification, or was taken when the controllers
or externalAddress differed. Needs an admin token.

      --backup ID       the backup to restore (keel backup list CLUSTER)
      --reset NAME      the cluster's name again: required when k0s is
                        installed on a controller, whose state since the
                        backup is lost
      --dry-run         print the plan from the stored facts; no host is touched
      --timeout SECONDS bound each readiness wait (default: 5 minutes for a
                        controller, 2 for a worker to come back Ready)
${API_USAGE}
  -h, --help            show this help

Exit status: 0 restored (or dry run printed); 1 refused by the API, or the run
failed or was cancelled; 2 wrong command line; 130 interrupted.`;

export const restoreCommand: Command = {
  summary: "restore a cluster from a backup (k0sctl apply --restore-from), following the run",
  usage: USAGE,
  run: runRestore,
};

async function runRestore(args: string[], io: CliIo): Promise<number> {
  const options = { backup: { type: "string" }, reset: { type: "string" }, "dry-run": { type: "boolean" }, timeout: { type: "string" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("restore", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  if (positionals.length !== 1) return usageError(io, "restore", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(positionals[0]);
  if (!name.success) return usageError(io, "restore", USAGE, `${JSON.stringify(positionals[0])} is not a cluster name`);
  if (values.backup === undefined) return usageError(io, "restore", USAGE, "--backup ID is required (keel backup list CLUSTER)");
  if (!BackupId.safeParse(values.backup).success) return usageError(io, "restore", USAGE, `--backup ${JSON.stringify(values.backup)} is not a backup id`);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 1)) return usageError(io, "restore", USAGE, "--timeout must be a whole number of seconds");
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "restore", api.message);
  const backup = values.backup;
  return reportingFailures(io, () => requestRestore(api.client, name.data, { backup, reset: values.reset, dryRun: values["dry-run"] === true, timeout }, io));
}
