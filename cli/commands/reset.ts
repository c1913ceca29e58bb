import { z } from "zod";
import { ClusterName } from "../../schema/api";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { formatPlan } from "../print-plan";
import { reportingFailures } from "../report-failure";
import { PlanView, StartedRun } from "../responses";
import { watchRun } from "../watch-run";

const USAGE = `usage: keel reset CLUSTER --confirm CLUSTER [--dry-run]

Takes k0s off every host of the cluster, as k0sctl reset does: workers first,
then controllers one at a time (each leaves etcd), the leader last. Every host
is left with no k0s service, binary, config or data. Needs an admin token.

      --confirm NAME    the cluster's name again (required, except with --dry-run)
      --dry-run         print the plan from the stored facts; no host is touched
${API_USAGE}
  -h, --help            show this help

Exit status: 0 reset (or dry run printed); 1 refused by the API, or the run
failed or was cancelled; 2 wrong command line; 130 interrupted (the run is
cancelled after the steps in flight).`;

const ResetDryRun = z.object({ dryRun: z.literal(true), plan: PlanView, warnings: z.array(z.string()) });
const ResetResponse = z.union([ResetDryRun, StartedRun]);

export const resetCommand: Command = {
  summary: "remove k0s from every host of a cluster (k0sctl reset), following the run",
  usage: USAGE,
  run: runReset,
};

async function runReset(args: string[], io: CliIo): Promise<number> {
  const options = { confirm: { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("reset", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  if (positionals.length !== 1) return usageError(io, "reset", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(positionals[0]);
  if (!name.success) return usageError(io, "reset", USAGE, `${JSON.stringify(positionals[0])} is not a cluster name`);
  const dryRun = values["dry-run"] === true;
  if (!dryRun && values.confirm !== name.data) {
    return usageError(io, "reset", USAGE, `a reset removes k0s and its data from every host: repeat the cluster's name with --confirm ${name.data}`);
  }
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "reset", api.message);

  return reportingFailures(io, async () => {
    const path = `/v1/clusters/${encodeURIComponent(name.data)}/reset`;
    const res = await api.client.json("POST", path, ResetResponse, { query: { confirm: values.confirm, dryRun: dryRun || undefined } });
    if ("dryRun" in res) {
      for (const w of res.warnings) io.err(`warning: ${w}`);
      for (const line of [`Dry run of the reset of ${name.data}: no host was touched.`, "", ...formatPlan(res.plan)]) io.out(line);
      return EXIT_OK;
    }
    return watchRun(api.client, res.run.id, io);
  });
}
