import { resolve } from "node:path";
import { ClusterName } from "../../schema/api";
import { CLUSTER_ADMIN_GROUP, CreatedKubeconfig } from "../../schema/user-kubeconfig";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { reportingFailures } from "../report-failure";
import { writePrivate } from "../write-private";

const USAGE = `usage: keel kubeconfig create CLUSTER --user USER --group GROUP [--cluster-admin] [-o FILE]

Has k0s on the cluster's leader mint a client certificate for USER in GROUP
and prints the kubeconfig that holds it (needs an admin token). keel keeps no
copy and no key stays on the controller; the audit log records who asked,
for whom, and the certificate's fingerprint and expiry. k0s certificates
cannot be revoked: they are valid for a year.

  --user USER           the user name (CN): letters, digits and . _ @ -;
                        not system:… and not a k0s PKI name (admin, ca, …)
  --group GROUP         one group (O); no commas, no system:… group except
  --cluster-admin       with --group system:masters: a cluster-admin
                        credential only a CA rotation can revoke
  -o, --output FILE     write it to FILE (mode 0600) instead of standard output
${API_USAGE}
  -h, --help            show this help

Exit status: 0 done; 1 refused by the API or FILE not writable; 2 wrong
command line.`;

export async function runKubeconfigCreate(args: string[], io: CliIo): Promise<number> {
  const options = {
    user: { type: "string" },
    group: { type: "string" },
    "cluster-admin": { type: "boolean" },
    output: { type: "string", short: "o" },
    help: { type: "boolean", short: "h" },
    ...API_OPTIONS,
  } as const;
  const cmd = parseCommandLine("kubeconfig create", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  if (positionals.length !== 1) return usageError(io, "kubeconfig create", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(positionals[0]);
  if (!name.success) return usageError(io, "kubeconfig create", USAGE, `${JSON.stringify(positionals[0])} is not a cluster name`);
  if (values.user === undefined || values.group === undefined) return usageError(io, "kubeconfig create", USAGE, "give --user and --group");
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "kubeconfig create", api.message);
  // The API checks the names (and says which is wrong); sending clusterAdmin only when asked keeps it explicit.
  const body = { user: values.user, group: values.group, ...(values["cluster-admin"] ? { clusterAdmin: true } : {}) };

  return reportingFailures(io, async () => {
    const path = `/v1/clusters/${encodeURIComponent(name.data)}/kubeconfigs`;
    const created = await api.client.json("POST", path, CreatedKubeconfig, { body });
    const text = created.kubeconfig.endsWith("\n") ? created.kubeconfig : `${created.kubeconfig}\n`;
    if (values.output === undefined) io.out(text.replace(/\n$/, ""));
    else await writePrivate(resolve(io.cwd, values.output), text);
    const where = values.output === undefined ? "" : ` written to ${values.output}`;
    io.err(`kubeconfig for user ${created.user} (group ${created.group}) on ${name.data}${where}`);
    io.err(`certificate sha256 ${created.fingerprint}, expires ${created.expiresAt}`);
    if (created.clusterAdmin || created.group === CLUSTER_ADMIN_GROUP) io.err(`WARNING: ${created.warning ?? "this is a cluster-admin credential that only a CA rotation can revoke"}`);
    return EXIT_OK;
  });
}
