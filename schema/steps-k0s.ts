import { z } from "zod";
import { HostTarget, SafePath, StepBase } from "./step-base";
import { KubeconfigGroup, KubeconfigUser } from "./user-kubeconfig";

/**
 * The apply vocabulary: every typed step the k0s planners emit and the relay
 * renders (see steps.ts for the principle). steps.ts merges `K0sStep` into `Step`;
 * each kind has the same base fields (step-base.ts).
 *
 * Conventions the relay relies on:
 * - `installPath` is the k0s binary on the host; `dataDir` is passed as
 *   `--data-dir` only to commands that define it (see k0s-reference.md).
 * - `kube.*` and node waits run on the host in `host` (the leader) through
 *   `<installPath> kubectl --data-dir=<dataDir>`; `nodeName` names the target.
 * - Secrets (join tokens) never travel: `saveAs` asks the relay to keep a
 *   step's output under that name, `tokenSecret`/`secret` refer to it. Which
 *   kinds' stdout is secret is in step-kinds.ts.
 */

/** A name under which the relay keeps a secret for the rest of the run. */
export const SecretName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,199}$/, "must be a secret name (letters, digits, ':', '.', '_', '-')");

/** A Kubernetes node name (RFC 1123 subdomain). */
export const NodeName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "must be a node name");

export const K0sService = z.enum(["k0scontroller", "k0sworker"]);
export type K0sService = z.infer<typeof K0sService>;
/** The systemd unit `k0s install <role>` creates. */
export const K0S_SERVICE_OF_ROLE = { controller: "k0scontroller", worker: "k0sworker" } as const satisfies Record<"controller" | "worker", K0sService>;

/**
 * Where the relay writes a joiner's token for `--token-file` (k0s.install) and
 * overwrites it once the token is invalidated (k0s.token.invalidate). Only the
 * relay touches it; planners name the token, never the file.
 */
export const JOIN_TOKEN_FILE = "/etc/k0s/k0stoken";

const Version = z.string().regex(/^v?\d+\.\d+\.\d+[0-9A-Za-z.+-]*$/, "must be a k0s version");
const OneLine = z.string().max(65_536).regex(/^[^\0\r\n]*$/, "must be a single line");
// Go duration as kubectl and k0s take it ("30m0s", "120s").
const GoDuration = z.string().regex(/^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/, "must be a duration like 30m0s");
const Mode = z.string().regex(/^[0-7]{4}$/, "must be four octal digits like 0644");
const Owner = z.string().max(64).regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, "must be a user or group name or id");

// The k0s binary and data dir every command-running k0s step needs.
const K0sPaths = { installPath: SafePath, dataDir: SafePath };

/** k0s version, `k0s status -o json` and the sha256 of the config file; reported as K0sFactsReport JSON on stdout. */
export const K0sFactsStep = StepBase.extend({
  kind: z.literal("k0s.facts"),
  installPath: SafePath,
  configPath: SafePath,
});

/**
 * What the relay prints (one JSON object) for `k0s.facts`. Absent fields: not
 * installed / not running / no config. `role` is named as in k0sctl.yaml:
 * "controller+worker" when `k0s status` says the controller runs workloads,
 * "single" when it says SingleNode.
 */
export const K0sFactsReport = z.object({
  installedVersion: z.string().max(100).optional(),
  running: z.boolean(),
  role: z.enum(["controller", "worker", "controller+worker", "single"]).optional(),
  configSha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  nodeName: z.string().max(253).optional(),
  privateAddress: z.string().max(100).optional(),
  arch: z.string().max(50).optional(),
});
export type K0sFactsReport = z.infer<typeof K0sFactsReport>;

/**
 * Put the k0s binary for `version` at `tmpPath` on the host: downloaded by the
 * host (`fetch: "host"`), downloaded by the relay then uploaded (`fetch:
 * "relay"`, uploadBinary without k0sBinaryPath), or uploaded from a relay path.
 */
export const K0sBinaryStageStep = StepBase.extend({
  kind: z.literal("k0s.binary.stage"),
  source: z.discriminatedUnion("from", [
    z.object({ from: z.literal("url"), url: z.string().max(2048).regex(/^https?:\/\/[^\s'"`\\<>]+$/), fetch: z.enum(["host", "relay"]) }),
    z.object({ from: z.literal("relay"), relayPath: SafePath }),
  ]),
  tmpPath: SafePath,
  version: Version,
});

/** Rename `tmpPath` over `installPath`, chmod 0755, and check `k0s version` prints `expectVersion`. */
export const K0sBinaryInstallStep = StepBase.extend({
  kind: z.literal("k0s.binary.install"),
  tmpPath: SafePath,
  installPath: SafePath,
  expectVersion: Version,
});

/**
 * One `files[]` entry. A relay source may be a file, a directory or a glob; the
 * relay expands it within its upload roots, `mkdir -p` the destination
 * directory with `dirPerm`, and skips a file whose size and sha256 already match.
 */
export const FileUploadStep = StepBase.extend({
  kind: z.literal("file.upload"),
  name: OneLine.optional(),
  source: z.discriminatedUnion("from", [
    z.object({ from: z.literal("relay"), path: SafePath }),
    z.object({ from: z.literal("url"), url: z.string().max(2048).regex(/^https?:\/\/[^\s'"`\\<>]+$/) }),
    z.object({ from: z.literal("data"), data: z.string().max(128 * 1024) }),
  ]),
  dst: SafePath.optional(),
  dstDir: SafePath.optional(),
  perm: Mode.optional(),
  dirPerm: Mode,
  user: Owner.optional(),
  group: Owner.optional(),
}).refine((s) => (s.dst === undefined) !== (s.dstDir === undefined), { message: "exactly one of dst and dstDir", path: ["dst"] });

/**
 * Write a controller's k0s config (rendered to YAML by the relay) to a temp
 * file, check it with `<validateWith> config validate --config <tmp>`, then
 * move it to `path` with mode 0600. `validateWith` is the binary that will run
 * it: the staged one when the host is about to be upgraded.
 */
export const K0sConfigWriteStep = StepBase.extend({
  kind: z.literal("k0s.config.write"),
  path: SafePath,
  config: z.record(z.string(), z.unknown()),
  validateWith: SafePath,
});

/**
 * `k0s install controller|worker` as a systemd service. The relay writes the
 * token named by `tokenSecret` to JOIN_TOKEN_FILE (0600) and passes
 * `--token-file`; `environment` becomes a systemd drop-in; `kubeletExtraArgs`
 * is joined into one `--kubelet-extra-args` value; `installFlags` are argv
 * tokens, passed through in order after keel's own flags.
 */
export const K0sInstallStep = StepBase.extend({
  kind: z.literal("k0s.install"),
  role: z.enum(["controller", "worker"]),
  ...K0sPaths,
  /** Controllers only: `--config`. `k0s install worker` has no such flag. */
  configPath: SafePath.optional(),
  enableWorker: z.boolean(),
  noTaints: z.boolean(),
  single: z.boolean(),
  kubeletExtraArgs: z.array(OneLine).max(100),
  installFlags: z.array(OneLine).max(200),
  environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), OneLine),
  tokenSecret: SecretName.optional(),
  /** `--force`: rewrite an existing service (upgrades, reinstalling a stopped host). */
  force: z.boolean(),
});

const serviceStep = <K extends string>(kind: K) => StepBase.extend({ kind: z.literal(kind), service: K0sService });
export const ServiceStartStep = serviceStep("service.start");
export const ServiceStopStep = serviceStep("service.stop");
export const ServiceRestartStep = serviceStep("service.restart");

/**
 * Poll until ready or `timeoutMs`: `readyz` runs `k0s kubectl get --raw=/readyz`
 * on the controller itself; `node` waits on the leader for the node to be Ready.
 */
export const K0sWaitReadyStep = StepBase.extend({
  kind: z.literal("k0s.wait.ready"),
  ...K0sPaths,
  for: z.discriminatedUnion("what", [
    z.object({ what: z.literal("readyz") }),
    z.object({ what: z.literal("node"), nodeName: NodeName }),
  ]),
});

/** `k0s token create --role --expiry` on the leader; the token stays on the relay as `saveAs`. */
export const K0sTokenCreateStep = StepBase.extend({
  kind: z.literal("k0s.token.create"),
  ...K0sPaths,
  role: z.enum(["controller", "worker"]),
  expiry: GoDuration,
  saveAs: SecretName,
});

/**
 * `k0s token invalidate <id>` (on the leader) for the token kept as `secret`;
 * the relay then forgets it and, when `joiner` names the host that joined
 * with it, overwrites the token file k0s.install wrote there, as k0sctl does:
 * a used token has no business staying on the host.
 */
export const K0sTokenInvalidateStep = StepBase.extend({
  kind: z.literal("k0s.token.invalidate"),
  ...K0sPaths,
  secret: SecretName,
  joiner: HostTarget.optional(),
  /**
   * The run whose relay secrets hold the token, when it is not this run: the
   * cleanup a run could not do (its relay went away) is carried into the
   * cluster's next run.
   */
  secretRun: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).optional(),
});

export const TaintEffect = z.enum(["NoExecute", "NoSchedule", "PreferNoSchedule"]);
const Taint = z.object({
  key: z.string().max(253).regex(/^[A-Za-z0-9./_-]+$/),
  value: z.string().max(63).regex(/^[A-Za-z0-9._-]*$/),
  effect: TaintEffect,
});

/** `kubectl cordon`, then (options.evictTaint) `kubectl taint` so pods that tolerate cordon still leave. */
export const KubeCordonStep = StepBase.extend({
  kind: z.literal("kube.cordon"),
  ...K0sPaths,
  nodeName: NodeName,
  evictTaint: Taint.optional(),
});

/** `kubectl drain` with spec.options.drain; durations in seconds as kubectl takes them. */
export const KubeDrainStep = StepBase.extend({
  kind: z.literal("kube.drain"),
  ...K0sPaths,
  nodeName: NodeName,
  gracePeriodSeconds: z.number().int().min(-1),
  timeoutSeconds: z.number().int().min(0),
  force: z.boolean(),
  ignoreDaemonSets: z.boolean(),
  deleteEmptyDirData: z.boolean(),
  podSelector: OneLine,
  skipWaitForDeleteTimeoutSeconds: z.number().int().min(0),
});

/** `kubectl uncordon`, and removal of the evict taint when one was set. */
export const KubeUncordonStep = StepBase.extend({
  kind: z.literal("kube.uncordon"),
  ...K0sPaths,
  nodeName: NodeName,
  evictTaint: Taint.optional(),
});

export const KubeNodeDeleteStep = StepBase.extend({
  kind: z.literal("kube.node.delete"),
  ...K0sPaths,
  nodeName: NodeName,
});

/** `kubectl apply -f -` of spec.manifests, on the leader. */
export const KubeApplyStep = StepBase.extend({
  kind: z.literal("kube.apply"),
  ...K0sPaths,
  manifests: z.array(z.record(z.string(), z.unknown())).min(1).max(1000),
});

/**
 * `k0s etcd leave --peer-address --data-dir`: run on the leaving controller while
 * its k0s still runs, or on the leader when the leaving one is already down.
 */
export const K0sEtcdLeaveStep = StepBase.extend({
  kind: z.literal("k0s.etcd.leave"),
  ...K0sPaths,
  peerAddress: z.string().max(100).regex(/^[0-9A-Fa-f.:]+$/, "must be an IP address"),
});

/** `k0s reset --data-dir` (k0s must be stopped), then remove `configPath` and, when asked, the binary; `systemctl daemon-reload`. */
export const K0sResetStep = StepBase.extend({
  kind: z.literal("k0s.reset"),
  ...K0sPaths,
  configPath: SafePath,
  removeBinary: z.boolean(),
});

export const HookName = z.enum([
  "connect.after",
  "apply.before",
  "apply.after",
  "install.before",
  "install.after",
  "upgrade.before",
  "upgrade.after",
  "backup.before",
  "backup.after",
  "reset.before",
  "reset.after",
]);
export type HookName = z.infer<typeof HookName>;

/** The spec's own shell lines: the one step the relay runs only when its policy allows hooks. */
export const HookRunStep = StepBase.extend({
  kind: z.literal("hook.run"),
  hook: HookName,
  lines: z.array(z.string().max(65_536).regex(/^[^\0]*$/)).min(1).max(200),
});

/**
 * `k0s kubeconfig admin`, server rewritten to `server`, returned once in
 * stdout (a secretStdout kind: never journaled, logged or kept on the relay).
 */
export const K0sKubeconfigAdminStep = StepBase.extend({
  kind: z.literal("k0s.kubeconfig.admin"),
  ...K0sPaths,
  server: z.string().max(300).regex(/^https:\/\/[A-Za-z0-9.:[\]-]+$/),
});

/**
 * `k0s kubeconfig create --groups GROUP USER` on the leader, server rewritten
 * to `server`, returned once in stdout (a secretStdout kind), the client
 * certificate's facts in a `certificates` report; the USER.{crt,key} k0s
 * leaves in <dataDir>/pki are removed in the same shell command.
 */
export const K0sKubeconfigCreateStep = StepBase.extend({
  kind: z.literal("k0s.kubeconfig.create"),
  ...K0sPaths,
  server: z.string().max(300).regex(/^https:\/\/[A-Za-z0-9.:[\]-]+$/),
  user: KubeconfigUser,
  group: KubeconfigGroup,
});

export const K0sStep = z.discriminatedUnion("kind", [
  K0sFactsStep,
  K0sBinaryStageStep,
  K0sBinaryInstallStep,
  FileUploadStep,
  K0sConfigWriteStep,
  K0sInstallStep,
  ServiceStartStep,
  ServiceStopStep,
  ServiceRestartStep,
  K0sWaitReadyStep,
  K0sTokenCreateStep,
  K0sTokenInvalidateStep,
  KubeCordonStep,
  KubeDrainStep,
  KubeUncordonStep,
  KubeNodeDeleteStep,
  KubeApplyStep,
  K0sEtcdLeaveStep,
  K0sResetStep,
  HookRunStep,
  K0sKubeconfigAdminStep,
  K0sKubeconfigCreateStep,
]);
export type K0sStep = z.infer<typeof K0sStep>;
export type K0sStepKind = K0sStep["kind"];

export type K0sFactsStep = z.infer<typeof K0sFactsStep>;
export type K0sBinaryStageStep = z.infer<typeof K0sBinaryStageStep>;
export type K0sBinaryInstallStep = z.infer<typeof K0sBinaryInstallStep>;
export type FileUploadStep = z.infer<typeof FileUploadStep>;
export type K0sConfigWriteStep = z.infer<typeof K0sConfigWriteStep>;
export type K0sInstallStep = z.infer<typeof K0sInstallStep>;
export type ServiceStartStep = z.infer<typeof ServiceStartStep>;
export type ServiceStopStep = z.infer<typeof ServiceStopStep>;
export type ServiceRestartStep = z.infer<typeof ServiceRestartStep>;
export type K0sWaitReadyStep = z.infer<typeof K0sWaitReadyStep>;
export type K0sTokenCreateStep = z.infer<typeof K0sTokenCreateStep>;
export type K0sTokenInvalidateStep = z.infer<typeof K0sTokenInvalidateStep>;
export type KubeCordonStep = z.infer<typeof KubeCordonStep>;
export type KubeDrainStep = z.infer<typeof KubeDrainStep>;
export type KubeUncordonStep = z.infer<typeof KubeUncordonStep>;
export type KubeNodeDeleteStep = z.infer<typeof KubeNodeDeleteStep>;
export type KubeApplyStep = z.infer<typeof KubeApplyStep>;
export type K0sEtcdLeaveStep = z.infer<typeof K0sEtcdLeaveStep>;
export type K0sResetStep = z.infer<typeof K0sResetStep>;
export type HookRunStep = z.infer<typeof HookRunStep>;
export type K0sKubeconfigAdminStep = z.infer<typeof K0sKubeconfigAdminStep>;
export type K0sKubeconfigCreateStep = z.infer<typeof K0sKubeconfigCreateStep>;
