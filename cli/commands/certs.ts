import { ClusterName } from "../../schema/api";
import { CertificatesResponse, ExpiryWindow } from "../../schema/certs-api";
import { API_OPTIONS, API_USAGE, apiClientFrom } from "../api-flags";
import { EXIT_OK, type CliIo, type Command } from "../command";
import { briefUsageError, parseCommandLine, usageError } from "../parse-args";
import { formatCertificates } from "../print-certs";
import { reportingFailures } from "../report-failure";
import { StartedRun } from "../responses";
import { watchRun } from "../watch-run";

const USAGE = `usage: keel certs CLUSTER [--expiring-within 30d] [--json]
       keel certs inventory CLUSTER
       keel certs renew CLUSTER [--workers]

keel certs CLUSTER prints the certificates the last inventory found on each
host, like kubeadm certs check-expiration: leaf certificates soonest first,
then the CAs. Warnings (a CA within a year of its end) go to standard error.

keel certs inventory reads every certificate on every host (a controller's
PKI under the data dir, etcd's included; a node's kubelet certificates) and
stores them; private keys are never read. Needs an operator token.

keel certs renew renews the controllers' leaf certificates: one controller at
a time, restart k0scontroller, wait for /readyz, its etcd member and its node,
and check every leaf was re-issued and no CA changed; it stops at the first
failure and refuses to start while any controller is down. CAs are not
renewed (k0s keeps them; replacing one is a manual procedure). Needs an
operator token.

      --expiring-within D  only certificates that expire within D (like 30d or 12h)
      --json               the API's answer as JSON (kubeadm-like fields)
      --workers            renew: restart k0sworker on the workers too, in the
                           disruption batches apply uses
${API_USAGE}
  -h, --help               show this help

Exit status: 0 done; 1 refused by the API, or the run failed or was cancelled;
2 wrong command line; 130 interrupted (the run is cancelled after the steps in
flight).`;

export const certsCommand: Command = {
  summary: "list a cluster's certificates and their expiry; start an inventory or a renewal",
  usage: USAGE,
  run: runCerts,
};

async function runCerts(args: string[], io: CliIo): Promise<number> {
  const options = {
    "expiring-within": { type: "string" },
    json: { type: "boolean" },
    workers: { type: "boolean" },
    help: { type: "boolean", short: "h" },
    ...API_OPTIONS,
  } as const;
  const cmd = parseCommandLine("certs", USAGE, { args, options, allowPositionals: true }, io);
  if (!cmd.ok) return cmd.exit;
  const { values, positionals } = cmd.parsed;
  const action = positionals[0] === "inventory" || positionals[0] === "renew" ? positionals[0] : "list";
  const names = action === "list" ? positionals : positionals.slice(1);
  if (names.length !== 1) return usageError(io, "certs", USAGE, "give exactly one CLUSTER");
  const name = ClusterName.safeParse(names[0]);
  if (!name.success) return usageError(io, "certs", USAGE, `${JSON.stringify(names[0])} is not a cluster name`);
  if (action !== "renew" && values.workers) return usageError(io, "certs", USAGE, "--workers goes with keel certs renew");
  if (action !== "list" && (values.json || values["expiring-within"] !== undefined)) return usageError(io, "certs", USAGE, `--json and --expiring-within go with keel certs CLUSTER, not ${action}`);
  const within = values["expiring-within"];
  if (within !== undefined && !ExpiryWindow.safeParse(within).success) return usageError(io, "certs", USAGE, `--expiring-within must be a duration like 30d or 12h, not ${JSON.stringify(within)}`);
  const api = apiClientFrom(values, io);
  if (!api.ok) return briefUsageError(io, "certs", api.message);
  const base = `/v1/clusters/${encodeURIComponent(name.data)}/certificates`;

  return reportingFailures(io, async () => {
    if (action !== "list") {
      const res = await api.client.json("POST", `${base}/${action}`, StartedRun, { query: { workers: values.workers ? true : undefined } });
      return watchRun(api.client, res.run.id, io);
    }
    const body = await api.client.json("GET", base, CertificatesResponse, { query: { expiringWithin: within } });
    if (values.json) {
      io.out(JSON.stringify(body, null, 2));
      return EXIT_OK;
    }
    for (const w of body.warnings) io.err(`warning: ${w}`);
    for (const line of formatCertificates(body)) io.out(line);
    return EXIT_OK;
  });
}
