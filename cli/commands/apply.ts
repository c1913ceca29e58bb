import type { ClusterSpec } from "../../schema/cluster";
import { ResourceName } from "../../schema/api";
import { BackupId } from "../../schema/steps-backup";
import { ApiFailure, type ApiClient } from "../api-client";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_INVALID, EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { formatDryRun } from "../print-plan";
import { loadConfigFiles, reportLoad, stdinTwice } from "../read-config";
import { reportingFailures } from "../report-failure";
import { requestRestore } from "../restore-request";
import { ApplyResponse, ClusterWriteResponse } from "../responses";
import { watchRun } from "../watch-run";

const DEFAULT_SITE = "default";

const USAGE = `usage: keel apply [-c FILE]... [--site SITE] [--dry-run] [--timeout SECONDS]
                  [--restore-from BACKUP [--reset CLUSTER]]

Stores a k0sctl.yaml as the cluster's newest revision (creating the cluster
the first time) and applies it through the site's relay: installs, grows,
upgrades or resets hosts, printing the run the way k0sctl does. The files are
checked and envsubst'ed here first (from this shell's environment); an
invalid file is never sent.

  -c, --config FILE     k0sctl.yaml to read; "-" reads standard input. Repeat
                        to combine files, like k0sctl. Default: k0sctl.yaml
      --site SITE       the relay site that reaches the hosts. A new cluster
                        gets "${DEFAULT_SITE}"; an existing one keeps its site
                        unless this is given
      --dry-run         print the plan and what would change; no host is
                        touched (the revision is still stored)
      --timeout SECONDS fail the run if it takes longer
      --restore-from ID store the file, then restore backup ID onto the
                        cluster instead of applying (as \`keel restore\`)
      --reset NAME      with --restore-from: the cluster's name, confirming
                        that controllers with k0s are stopped and reset
${API_USAGE}
  -h, --help            show this help

Ctrl-C while the run is followed asks the API to cancel it.

Exit status: 0 applied (or dry run printed); 1 invalid file, refused by the
API, or the run failed or was cancelled; 2 wrong command line; 130 interrupted.`;

export const applyCommand: Command = {
  summary: "store a k0sctl.yaml and apply it, following the run",
  usage: USAGE,
  run: runApply,
};

const OPTIONS = {
  config: { type: "string", short: "c", multiple: true },
  site: { type: "string" },
  "dry-run": { type: "boolean" },
  timeout: { type: "string" },
  "restore-from": { type: "string" },
  reset: { type: "string" },
  help: { type: "boolean", short: "h" },
  ...API_OPTIONS,
} as const;

async function runApply(args: string[], io: CliIo): Promise<number> {
  const cmd = parseCommandLine("apply", USAGE, { args, options: OPTIONS }, io);
  if (!cmd.ok) return cmd.exit;
  const { values } = cmd.parsed;
  const paths = values.config ?? ["k0sctl.yaml"];
  if (stdinTwice(paths)) return usageError(io, "apply", USAGE, '"-c -" (standard input) can be given only once');
  if (values.site !== undefined && !ResourceName.safeParse(values.site).success) return usageError(io, "apply", USAGE, `--site ${JSON.stringify(values.site)}: must be 1-63 lowercase letters, digits or '-'`);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && (!Number.isSafeInteger(timeout) || timeout < 1)) return usageError(io, "apply", USAGE, "--timeout must be a whole number of seconds");
  const restoreFrom = values["restore-from"];
  if (restoreFrom !== undefined && !BackupId.safeParse(restoreFrom).success) return usageError(io, "apply", USAGE, `--restore-from ${JSON.stringify(restoreFrom)}: not a backup id (keel backup list CLUSTER)`);
  if (values.reset !== undefined && restoreFrom === undefined) return usageError(io, "apply", USAGE, "--reset goes with --restore-from");
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "apply", api.message);

  const spec = reportLoad(await loadConfigFiles(paths, io), io);
  if (spec === null) return EXIT_INVALID;

  return reportingFailures(io, async () => {
    const name = spec.metadata.name;
    await storeCluster(api.client, spec, values.site, io);
    const dryRun = values["dry-run"] === true;
    if (restoreFrom !== undefined) return requestRestore(api.client, name, { backup: restoreFrom, reset: values.reset, dryRun, timeout }, io);
    const res = await api.client.json("POST", `/v1/clusters/${encodeURIComponent(name)}/apply`, ApplyResponse, { query: { dryRun: dryRun || undefined, timeout } });
    if ("dryRun" in res) {
      for (const w of res.warnings) io.err(`warning: ${w}`);
      for (const line of formatDryRun(name, res)) io.out(line);
      return EXIT_OK;
    }
    return watchRun(api.client, res.run.id, io);
  });
}

/** Creates the cluster, or stores a new revision when it already exists (409). */
async function storeCluster(client: ApiClient, spec: ClusterSpec, site: string | undefined, io: CliIo): Promise<void> {
  const name = spec.metadata.name;
  let stored: ClusterWriteResponse;
  try {
    stored = await client.json("POST", "/v1/clusters", ClusterWriteResponse, { body: { site: site ?? DEFAULT_SITE, spec } });
    io.err(`cluster ${name}: created${revision(stored)}`);
    return;
  } catch (err) {
    if (!(err instanceof ApiFailure && err.code === "conflict")) throw err;
  }
  // Without --site the body leaves the site out, so an update never moves a cluster to "default" by accident.
  stored = await client.json("PUT", `/v1/clusters/${encodeURIComponent(name)}`, ClusterWriteResponse, { body: site === undefined ? { spec } : { site, spec } });
  io.err(`cluster ${name}: ${stored.unchanged === true ? "unchanged" : "updated"}${revision(stored)}`);
}

function revision(stored: ClusterWriteResponse): string {
  return stored.cluster.currentRevision !== undefined ? ` (revision ${stored.cluster.currentRevision})` : "";
}
