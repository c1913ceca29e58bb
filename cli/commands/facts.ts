import { ClusterName } from "../../schema/api";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import type { CliIo, Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";
import { StartedRun } from "../responses";
import { watchRun } from "../watch-run";

const USAGE = `usage: keel facts CLUSTER

Connects to every host of a stored cluster through its relay and gathers
facts (OS, addresses, hostnames, k0s state), following the run.

${API_USAGE}
  -h, --help            show this help

Exit status: 0 succeeded; 1 refused by the API, or the run failed or was
cancelled; 2 wrong command line; 130 interrupted (the run is cancelled).`;

export const factsCommand: Command = {
  summary: "gather a stored cluster's host facts, following the run",
  usage: USAGE,
  run: runFacts,
};

async function runFacts(args: string[], io: CliIo): Promise<number> {
  const cmd = parseCommandLine("facts", USAGE, { args, options: { help: { type: "boolean", short: "h" }, ...API_OPTIONS }, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  if (positionals.length !== 1) return usageError(io, "facts", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(positionals[0]);
  if (!name.success) return usageError(io, "facts", USAGE, `${JSON.stringify(positionals[0])} is not a cluster name`);
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "facts", api.message);

  return reportingFailures(io, async () => {
    const { run } = await api.client.json("POST", `/v1/clusters/${encodeURIComponent(name.data)}/facts`, StartedRun);
    return watchRun(api.client, run.id, io);
  });
}
