import { resolve } from "node:path";
import { ClusterName } from "../../schema/api";
import { failureFrom, type ApiClient } from "../api-client";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";
import { KubeconfigResponse } from "../responses";
import { writePrivate } from "../write-private";
import { runKubeconfigCreate } from "./kubeconfig-create";

const USAGE = `usage: keel kubeconfig CLUSTER [-o FILE]
       keel kubeconfig create CLUSTER --user USER --group GROUP [--cluster-admin] [-o FILE]

Prints the cluster's admin kubeconfig (needs an admin token). With create,
mints a kubeconfig for USER in GROUP instead (see keel kubeconfig create -h).

  -o, --output FILE     write it to FILE (mode 0600) instead of standard output
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API or FILE not writable; 2 wrong
command line.`;

export const kubeconfigCommand: Command = {
  summary: "print or save a cluster's admin kubeconfig, or create a user's",
  usage: USAGE,
  run: runKubeconfig,
};

async function runKubeconfig(args: string[], io: CliIo): Promise<number> {
  // `keel kubeconfig create` alone still means the admin kubeconfig of a cluster named "create".
  if (args[0] === "create" && args.length > 1) return runKubeconfigCreate(args.slice(1), io);
  const options = { output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" }, ...API_OPTIONS } as const;
  const cmd = parseCommandLine("kubeconfig", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  if (positionals.length !== 1) return usageError(io, "kubeconfig", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(positionals[0]);
  if (!name.success) return usageError(io, "kubeconfig", USAGE, `${JSON.stringify(positionals[0])} is not a cluster name`);
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "kubeconfig", api.message);

  return reportingFailures(io, async () => {
    const text = await fetchKubeconfig(api.client, name.data);
    if (values.output === undefined) {
      io.out(text.replace(/\n$/, ""));
      return EXIT_OK;
    }
    await writePrivate(resolve(io.cwd, values.output), text.endsWith("\n") ? text : `${text}\n`);
    io.err(`kubeconfig for ${name.data} written to ${values.output}`);
    return EXIT_OK;
  });
}

/** The API answers with the YAML itself, or JSON `{kubeconfig}`. */
async function fetchKubeconfig(client: ApiClient, cluster: string): Promise<string> {
  const path = `/v1/clusters/${encodeURIComponent(cluster)}/kubeconfig`;
  const res = await client.send("GET", path, { headers: { Accept: "application/yaml, application/json" } });
  if (!res.ok) throw await failureFrom(res);
  const text = await res.text();
  if (!(res.headers.get("content-type") ?? "").includes("json")) return text;
  const parsed = KubeconfigResponse.safeParse(safeJson(text));
  if (!parsed.success) throw new Error(`unexpected response from GET ${path}: no kubeconfig in it`);
  return parsed.data.kubeconfig;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
