import { z } from "zod";
import { Cidr, emptyAsAbsent, HostAddress, IpAddress, K0sVersion, k0sVersionAtLeast, ScalarString } from "./cluster-fields";

/**
 * `spec.k0s` of k0sctl.yaml. The `config` is a k0s ClusterConfig: keel types
 * the fields it reads or that are easy to get wrong, and passes every other
 * field through as given — k0s validates its own config (`k0s config
 * validate`), keel must not drop what it does not know.
 */

export const K0S_CONFIG_API_VERSION = "k0s.k0sproject.io/v1beta1";

const ExtraArgs = z.record(z.string().max(200), ScalarString);

// Subject alternative names: IPs and DNS names, wildcards allowed.
const San = z.string().max(253).regex(/^[A-Za-z0-9.*_:-]+$/, "must be an IP address or DNS name");

const Api = z.looseObject({
  address: IpAddress.optional(),
  externalAddress: HostAddress.optional(),
  port: z.number().int().min(1).max(65535).default(6443),
  k0sApiPort: z.number().int().min(1).max(65535).default(9443),
  sans: z.array(San).max(1000).optional(),
  extraArgs: ExtraArgs.optional(),
});

const Storage = z.looseObject({
  type: z.enum(["etcd", "kine"]).optional(),
  etcd: z.looseObject({ peerAddress: IpAddress.optional(), extraArgs: ExtraArgs.optional() }).optional(),
  kine: z.looseObject({ dataSource: z.string().max(4096).optional() }).optional(),
});

const Network = z.looseObject({
  provider: z.enum(["calico", "kuberouter", "custom"]).optional(),
  podCIDR: Cidr.optional(),
  serviceCIDR: Cidr.optional(),
  kubeProxy: z
    .looseObject({
      disabled: z.boolean().optional(),
      mode: z.enum(["iptables", "ipvs", "nftables", "userspace"]).optional(),
    })
    .optional(),
});

const Images = z.looseObject({
  repository: z.string().max(500).optional(),
  default_pull_policy: z.enum(["Always", "IfNotPresent", "Never"]).optional(),
});

const HelmRepository = z.looseObject({ name: z.string().min(1).max(200), url: z.string().min(1).max(2048) });
const HelmChart = z.looseObject({
  name: z.string().min(1).max(200),
  chartname: z.string().min(1).max(500),
  version: ScalarString.optional(),
  namespace: z.string().max(63).optional(),
  values: z.string().optional(),
  order: z.number().int().optional(),
  timeout: ScalarString.optional(),
});

const ConfigSpec = z.looseObject({
  api: Api.optional(),
  storage: Storage.optional(),
  network: Network.optional(),
  images: Images.optional(),
  telemetry: z.looseObject({ enabled: z.boolean().optional() }).optional(),
  controllerManager: z.looseObject({ extraArgs: ExtraArgs.optional() }).optional(),
  scheduler: z.looseObject({ extraArgs: ExtraArgs.optional() }).optional(),
  workerProfiles: z
    .array(z.looseObject({ name: z.string().min(1).max(200), values: z.record(z.string(), z.unknown()).optional() }))
    .optional(),
  extensions: z
    .looseObject({
      helm: z
        .looseObject({ repositories: z.array(HelmRepository).optional(), charts: z.array(HelmChart).optional() })
        .optional(),
    })
    .optional(),
});

/** A k0s ClusterConfig, inline in spec.k0s.config or from its own YAML document. */
export const K0sClusterConfig = z.looseObject({
  apiVersion: z.literal(K0S_CONFIG_API_VERSION, { error: `must be "${K0S_CONFIG_API_VERSION}"` }).optional(),
  // The seed article writes `kind: Cluster`; k0s itself says ClusterConfig.
  kind: z.enum(["ClusterConfig", "Cluster"]).optional(),
  metadata: z.looseObject({ name: z.string().max(253).optional() }).optional(),
  spec: ConfigSpec.optional(),
});
export type K0sClusterConfig = z.infer<typeof K0sClusterConfig>;

// k0sctl's K0s.Validate (cluster/k0s.go): k0sDynamicConfigSince.
const DYNAMIC_CONFIG_SINCE: [number, number, number, number] = [1, 22, 2, 2];

export const K0sSpec = z
  .strictObject({
    /** Without the leading "v"; absent (or "") means the newest release on versionChannel. */
    version: emptyAsAbsent(K0sVersion.optional()),
    versionChannel: emptyAsAbsent(z.enum(["stable", "latest"]).default("stable")),
    dynamicConfig: z.boolean().default(false),
    config: K0sClusterConfig.optional(),
  })
  .superRefine((k0s, ctx) => {
    if (k0s.dynamicConfig && k0s.version !== undefined && !k0sVersionAtLeast(k0s.version, DYNAMIC_CONFIG_SINCE)) {
      ctx.addIssue({ code: "custom", path: ["dynamicConfig"], message: "dynamic config only available since k0s version 1.22.2+k0s.2" });
    }
  });
export type K0sSpec = z.infer<typeof K0sSpec>;
