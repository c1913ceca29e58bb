import { z } from "zod";
import { SshHostKey } from "./step-base";
import { CleanPath, emptyAsAbsent, EnvName, FilePerm, HostAddress, IpAddress, LoginName, OneLine, ScalarString } from "./cluster-fields";

/**
 * One entry of `spec.hosts[]` in k0sctl.yaml v1beta1. Objects are strict, as
 * k0sctl's decoder is: a misspelt field is an error, not a silently ignored key.
 */

const Port = z.number().int().min(1).max(65535);
const SshOptions = z.record(z.string().max(100), z.union([z.string().max(4096), z.number(), z.boolean()]));

/** The fields of an `ssh` block; a bastion has the same fields but no bastion of its own. */
const sshFields = {
  address: HostAddress,
  user: LoginName.default("root"),
  port: Port.default(22),
  keyPath: CleanPath.optional(),
  hostKey: SshHostKey.optional(),
  options: SshOptions.optional(),
};

export const SshBastion = z.strictObject(sshFields);
export const SshConnection = z.strictObject({ ...sshFields, bastion: SshBastion.optional() });

export const OpenSshConnection = z.strictObject({
  address: HostAddress,
  user: LoginName.optional(),
  port: Port.optional(),
  keyPath: CleanPath.optional(),
  configPath: CleanPath.optional(),
  options: SshOptions.optional(),
  disableMultiplexing: z.boolean().optional(),
});

// `localhost: true` and `localhost: {enabled: true}` mean the same; keep a boolean.
const Localhost = z
  .union([z.boolean(), z.strictObject({ enabled: z.boolean().default(true) })])
  .transform((v) => (typeof v === "boolean" ? v : v.enabled));

const HookLines = z.array(ScalarString.pipe(z.string().regex(/^[^\0]*$/, "must not contain NUL"))).max(200);
const BeforeAfter = z.strictObject({ before: HookLines.optional(), after: HookLines.optional() });

/** Shell lines run on the host around each phase; the relay runs them only if its policy allows hooks. */
export const HostHooks = z.strictObject({
  connect: z.strictObject({ after: HookLines.optional() }).optional(),
  apply: BeforeAfter.optional(),
  install: BeforeAfter.optional(),
  upgrade: BeforeAfter.optional(),
  backup: BeforeAfter.optional(),
  reset: BeforeAfter.optional(),
});

const OwnerName = z
  .string()
  .max(64)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, "must be a user or group name or id");

/**
 * A file uploaded before install. `src` is a relay-side path, glob, directory or
 * URL (the relay downloads it, only from its policy.allowedUrls, and uploads it). A single `dst` with a glob matching
 * several files is an error that only the relay can see, when it expands the glob.
 */
// k0sctl joins these paths as given; keel refuses ".." on purpose.
const NO_PARENT = "must not contain a '..' segment: keel refuses it on purpose (k0sctl does not), so a file lands only where its path says and never climbs out of a directory the relay allows";
const hasParentSegment = (p: string) => p.split("/").includes("..");
const DestinationPath = CleanPath.refine((p) => !hasParentSegment(p), NO_PARENT);

export const HostFile = z
  .strictObject({
    name: OneLine.refine((n) => !hasParentSegment(n), NO_PARENT).optional(),
    src: CleanPath.optional(),
    // Inline data travels to the relay inside one step message (256 KiB frames).
    data: z.string().max(128 * 1024, "must be at most 128 KiB: inline data travels to the relay in one message; put larger files on the relay and use src").optional(),
    dstDir: DestinationPath.optional(),
    dst: DestinationPath.optional(),
    // permToString (uploadfile.go) reads "" as unset: the source file's own mode.
    perm: emptyAsAbsent(FilePerm.optional()),
    dirPerm: emptyAsAbsent(FilePerm.default("0755")),
    user: OwnerName.optional(),
    group: OwnerName.optional(),
  })
  .superRefine((f, ctx) => {
    // k0sctl treats whitespace-only data as no data.
    const hasData = f.data !== undefined && f.data.trim() !== "";
    if (f.src !== undefined && hasData) ctx.addIssue({ code: "custom", path: ["data"], message: "src and data are exclusive: give one" });
    if (f.src === undefined && !hasData) ctx.addIssue({ code: "custom", path: ["src"], message: "src or data required" });
    if (f.dst === undefined && f.dstDir === undefined) ctx.addIssue({ code: "custom", path: ["dstDir"], message: "dst or dstDir required" });
    if (hasData && f.name === undefined && f.dst === undefined) ctx.addIssue({ code: "custom", path: ["name"], message: "name or dst required for data" });
  });

// k0sctl's balanced-quote rule for installFlags: a quote preceded by a backslash does not count.
function balancedQuotes(flag: string): boolean {
  let single = 0;
  let double = 0;
  for (let i = 0; i < flag.length; i++) {
    if (i > 0 && flag[i - 1] === "\\") continue;
    if (flag[i] === "'") single++;
    if (flag[i] === '"') double++;
  }
  return single % 2 === 0 && double % 2 === 0;
}

const InstallFlag = OneLine.refine(balancedQuotes, "has unbalanced quotes");

// k0sDownloadURL tokens: %p arch, %v version, %x exe suffix, %% a literal %.
const DownloadUrl = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s'"`\\<>]+$/, "must be an http(s) URL without spaces or quotes");

export const HostRole = z.enum(["controller", "worker", "controller+worker", "single"]);
export type HostRole = z.infer<typeof HostRole>;

export const Host = z
  .strictObject({
    ssh: SshConnection.optional(),
    openSSH: OpenSshConnection.optional(),
    localhost: Localhost.optional(),
    winRM: z.never({ error: "winRM (Windows hosts) is not supported by keel: use Linux hosts over ssh" }).optional(),
    role: HostRole,
    reset: z.boolean().default(false),
    privateInterface: z
      .string()
      .regex(/^[A-Za-z0-9._@-]{1,15}$/, "must be a network interface name (at most 15 letters, digits, '.', '_', '@', '-')")
      .optional(),
    privateAddress: IpAddress.optional(),
    dataDir: CleanPath.default("/var/lib/k0s"),
    kubeletRootDir: CleanPath.optional(),
    environment: z.record(EnvName, OneLine).default({}),
    uploadBinary: z.boolean().default(false),
    useExistingK0s: z.boolean().default(false),
    k0sBinaryPath: CleanPath.optional(),
    k0sInstallPath: CleanPath.default("/usr/local/bin/k0s"),
    k0sDownloadURL: DownloadUrl.optional(),
    installFlags: z.array(InstallFlag).max(100).default([]),
    files: z.array(HostFile).max(1000).default([]),
    os: z.string().regex(/^[a-z0-9._-]{1,64}$/, "must be an os-release ID like ubuntu").optional(),
    // kubelet's node name: k0sctl lowercases it like it lowercases detected hostnames.
    hostname: z
      .string()
      .max(253)
      .transform((s) => s.toLowerCase())
      .pipe(z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "must be a valid hostname (letters, digits, '-', '.')"))
      .optional(),
    noTaints: z.boolean().default(false),
    hooks: HostHooks.default({}),
  })
  .superRefine((h, ctx) => {
    const blocks = [h.ssh && "ssh", h.openSSH && "openSSH", h.localhost === true && "localhost"].filter((b) => typeof b === "string");
    if (blocks.length !== 1) {
      const found = blocks.length === 0 ? "none" : blocks.join(" and ");
      ctx.addIssue({ code: "custom", path: [], message: `must have exactly one connection block: ssh, openSSH or localhost (found ${found})` });
    }
    if (h.noTaints && h.role !== "controller+worker") {
      ctx.addIssue({ code: "custom", path: ["noTaints"], message: "noTaints can only be true for controller+worker role" });
    }
    if (h.useExistingK0s) {
      if (h.uploadBinary) ctx.addIssue({ code: "custom", path: ["uploadBinary"], message: "uploadBinary cannot be true when useExistingK0s is true" });
      if (h.k0sBinaryPath !== undefined) ctx.addIssue({ code: "custom", path: ["k0sBinaryPath"], message: "k0sBinaryPath cannot be set when useExistingK0s is true" });
      if (h.k0sDownloadURL !== undefined) ctx.addIssue({ code: "custom", path: ["k0sDownloadURL"], message: "k0sDownloadURL cannot be set when useExistingK0s is true" });
    }
  });
export type Host = z.infer<typeof Host>;
export type HostFile = z.infer<typeof HostFile>;
