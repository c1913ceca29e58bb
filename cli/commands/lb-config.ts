import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ClusterName } from "../../schema/api";
import { LbConfigResponse } from "../../schema/lb-api";
import { failureFrom } from "../api-client";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";

const USAGE = `usage: keel lb-config CLUSTER [--format haproxy|nginx] [-o FILE]

Prints a load balancer config for the cluster's controllers (the Kubernetes
API 6443, konnectivity 8132 and the controller join API 9443, or the ports the
spec sets): TCP pass-through with health checks. Warnings go to standard error.

      --format FORMAT   haproxy (default) or nginx (a whole nginx.conf)
  -o, --output FILE     write it to FILE instead of standard output
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API; 2 wrong command line.`;

export const lbConfigCommand: Command = {
  summary: "print a load balancer config (haproxy or nginx) for a cluster's controllers",
  usage: USAGE,
  run: runLbConfig,
};

async function runLbConfig(args: string[], io: CliIo): Promise<number> {
  const options = { format: { type: "string" }, output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("lb-config", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  if (positionals.length !== 1) return usageError(io, "lb-config", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(positionals[0]);
  if (!name.success) return usageError(io, "lb-config", USAGE, `${JSON.stringify(positionals[0])} is not a cluster name`);
  const format = values.format ?? "haproxy";
  if (format !== "haproxy" && format !== "nginx") return usageError(io, "lb-config", USAGE, `--format must be haproxy or nginx, not ${JSON.stringify(format)}`);
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "lb-config", api.message);

  return reportingFailures(io, async () => {
    const path = `/v1/clusters/${encodeURIComponent(name.data)}/lb-config?format=${format}`;
    const res = await api.client.send("GET", path);
    if (!res.ok) throw await failureFrom(res);
    const body = LbConfigResponse.parse(await res.json());
    for (const warning of body.warnings) io.err(`warning: ${warning}`);
    if (values.output === undefined) io.out(body.config.replace(/\n$/, ""));
    else {
      await writeFile(resolve(io.cwd, values.output), body.config);
      io.err(`${format} config for ${name.data} written to ${values.output}`);
    }
    return EXIT_OK;
  });
}
