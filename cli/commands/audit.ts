import { AuditPage, type AuditEntryView } from "../../schema/audit-api";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { AUDIT_FILTER_OPTIONS, AUDIT_FILTER_USAGE, auditFilterQuery } from "../audit-filters";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { formatAuditTable } from "../print-audit";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";
import { runAuditExport } from "./audit-export";
import { runAuditCheckpoint, runAuditVerify } from "./audit-verify";

const USAGE = `usage: keel audit [FILTERS] [--limit N] [--all] [--json]
       keel audit export --format ndjson|csv [FILTERS] [--out FILE] [--checkpoint FILE]
       keel audit checkpoint [--out FILE]
       keel audit verify --file EXPORT [--checkpoint FILE] [--public-key KEY]

(none)      the audit history, newest first: TIME ACTOR ACTION CLUSTER
            OUTCOME RUN (times in UTC). One page (--limit, default 50, at
            most 500); --all follows the cursor to the end.
export      the whole filtered history, oldest first, with every field the
            hash chain covers, to standard output or --out FILE.
checkpoint  the chain head signed by the API's audit key: keep copies
            somewhere the API cannot reach.
verify      checks an export offline against a signed checkpoint
            (keel audit verify --help).

${AUDIT_FILTER_USAGE}
      --limit N         entries per page (default 50, at most 500)
      --all             every page, not only the first
      --json            print the API's JSON (with --all: one page per line)
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API; 2 wrong command line.`;

export const auditCommand: Command = {
  summary: "look up the audit history; export it; verify an export against a signed checkpoint",
  usage: USAGE,
  run: (args, io) => {
    const [verb, ...rest] = args;
    if (verb === "export") return runAuditExport(rest, io);
    if (verb === "verify") return runAuditVerify(rest, io);
    if (verb === "checkpoint") return runAuditCheckpoint(rest, io);
    return runAuditList(args, io);
  },
};

async function runAuditList(args: string[], io: CliIo): Promise<number> {
  const options = { ...AUDIT_FILTER_OPTIONS, limit: { type: "string" }, all: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("audit", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  if (positionals.length > 0) return usageError(io, "audit", USAGE, `unknown subcommand ${JSON.stringify(positionals[0])} (give export, checkpoint or verify, or only flags)`);
  if (values.limit !== undefined && !/^\d+$/.test(values.limit)) return usageError(io, "audit", USAGE, `--limit must be a number, not ${JSON.stringify(values.limit)}`);
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "audit", api.message);
  const query = { ...auditFilterQuery(values), limit: values.limit };
  return reportingFailures(io, async () => {
    const entries: AuditEntryView[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.client.json("GET", "/v1/audit", AuditPage, { query: { ...query, cursor } });
      if (values.json === true) io.out(JSON.stringify(page, null, values.all === true ? undefined : 2));
      entries.push(...page.entries);
      cursor = page.nextCursor ?? undefined;
    } while (values.all === true && cursor !== undefined);
    if (values.json === true) return EXIT_OK;
    if (entries.length === 0) io.out("no audit entries match");
    else for (const line of formatAuditTable(entries)) io.out(line);
    if (values.all !== true && cursor !== undefined) io.err("more entries: --all to see every page, or narrow with --since/--until");
    return EXIT_OK;
  });
}
