import { RunId, RunResponse, type RunView } from "../../schema/run-api";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { formatDuration } from "../print-run";
import { reportingFailures } from "../report-failure";
import { watchRun } from "../watch-run";

const USAGE = `usage: keel runs get RUN_ID [--json]
       keel runs follow RUN_ID

  get       print a run: status, phases, each host's step
  follow    print a run's events until it ends (from the start)

      --json            (get) print the run as JSON
${API_USAGE}
  -h, --help            show this help

Exit status: get: 0 printed, 1 refused by the API; follow: 0 the run
succeeded, 1 it failed or was cancelled, 130 interrupted (the run is
cancelled); 2 wrong command line.`;

export const runsCommand: Command = {
  summary: "show or follow a run",
  usage: USAGE,
  run: runRuns,
};

async function runRuns(args: string[], io: CliIo): Promise<number> {
  const options = { json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("runs", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  const [action, id, ...extra] = positionals;
  if ((action !== "get" && action !== "follow") || id === undefined || extra.length > 0) return usageError(io, "runs", USAGE, "give get or follow, and one RUN_ID");
  if (!RunId.safeParse(id).success) return usageError(io, "runs", USAGE, `${JSON.stringify(id)} is not a run id`);
  if (action === "follow" && values.json) return usageError(io, "runs", USAGE, "--json goes with get");
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "runs", api.message);

  return reportingFailures(io, async () => {
    if (action === "follow") return watchRun(api.client, id, io);
    const { run } = await api.client.json("GET", `/v1/runs/${encodeURIComponent(id)}`, RunResponse);
    if (values.json) io.out(JSON.stringify(run, null, 2));
    else for (const line of formatRun(run)) io.out(line);
    return EXIT_OK;
  });
}

function formatRun(run: RunView): string[] {
  const took = run.durationMs !== null ? ` in ${formatDuration(run.durationMs)}` : "";
  const lines = [`run ${run.id}: ${run.operation} of ${run.cluster} (revision ${run.revision}), ${run.status}${took}`];
  if (run.error !== null) lines.push(`error: ${run.error}`);
  for (const phase of run.phases) {
    lines.push(`  ${phase.name}: ${phase.status}`);
    for (const h of phase.hosts) {
      const time = h.durationMs !== null ? ` (${formatDuration(h.durationMs)})` : "";
      lines.push(`    ${h.host} ${h.kind}: ${h.status}${time}${h.error !== null ? `: ${h.error}` : ""}`);
    }
  }
  return lines;
}

