import { readFile } from "node:fs/promises";
import { isAbsolute, dirname, resolve } from "node:path";
import { z } from "zod";
import { parse as parseYaml } from "yaml";
import type { JournalLimits } from "./journal-pruning";
import { RELAY_SECRET_NAME } from "../schema/relay-secret-ref";
import { HostPattern } from "./policy";

const HostPath = z.string().regex(/^\/[^\0\n\r]*$/, "must be an absolute host path");

/** The relay's config file (`keel-relay --config relay.yaml`), one schema. */
export const RelayConfigFile = z.object({
  api: z.object({
    url: z
      .string()
      .regex(/^(https?|wss?):\/\/[^\s]+$/, "must be an http(s):// or ws(s):// URL of the keel API")
      .refine((u) => {
        try {
          new URL(u);
          return true;
        } catch {
          return false;
        }
      }, "must be a valid URL"),
    token: z.string().min(8).optional(),
    tokenFile: z.string().min(1).optional(),
  }),
  site: z.string().min(1).max(100),
  stateDir: z.string().min(1),
  policy: z.object({
    allowedHosts: z.array(HostPattern).min(1, "list at least one CIDR, address or hostname"),
    uploadRoots: z.array(z.string().min(1)).default([]),
    allowHooks: z.boolean().default(false),
    /** Folders SSH keys (keyPath) may be read from; unset: anywhere the relay's user can read. */
    keyRoots: z.array(z.string().min(1)).min(1).optional(),
    /** The only host paths k0s steps may run as the k0s binary (k0sInstallPath in specs). */
    k0sInstallPaths: z.array(HostPath).min(1).default(["/usr/local/bin/k0s"]),
    /** Host paths opened to uploads although the relay protects them (cron, systemd, PATH folders, …). */
    allowUploadsTo: z.array(HostPath).default([]),
    /** When set, uploads land only at or below these host paths. */
    uploadDestinations: z.array(HostPath).min(1).optional(),
    /** Environment variables k0s.install may set although they load code (LD_PRELOAD, PATH, …). */
    /** URL prefixes the relay may download from itself (file URLs, k0s with uploadBinary); redirects are held to them too. */
    allowedUrls: z.array(z.string().regex(/^https?:\/\/[^\s/]+\/[^\s]*$/, "must be an http(s) URL prefix ending in a path, like https://files.example.com/k0s/")).default([]),
    allowEnvironment: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")).default([]),
  }),
  ssh: z
    .object({
      connectTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
      keepaliveMs: z.number().int().min(100).max(3_600_000).default(15_000),
    })
    .default({ connectTimeoutMs: 10_000, keepaliveMs: 15_000 }),
  heartbeatMs: z.number().int().min(100).max(600_000).default(15_000),
  journal: z
    .object({
      // Below ACTIVE_WINDOW_MS a limit would change nothing: an active run is never pruned.
      maxAgeHours: z.number().min(6, "must be at least 6 (the longest a step may run)").max(24 * 3650).default(168),
      maxMiB: z.number().min(1).max(1024 * 1024).default(256),
      secretsMaxAgeHours: z.number().min(6, "must be at least 6 (the longest a step may run)").max(24 * 3650).default(24),
      pruneEveryMinutes: z.number().min(1).max(24 * 60).default(60),
    })
    .default({ maxAgeHours: 168, maxMiB: 256, secretsMaxAgeHours: 24, pruneEveryMinutes: 60 }),
  /**
   * Secrets specs name as `${relay:NAME}`: a value, or a file read at each use
   * (one trailing newline dropped). The API only ever sees the reference.
   */
  secrets: z
    .record(
      z.string().regex(RELAY_SECRET_NAME, "must be a secret name (letters, digits, '_', '.', '-')"),
      z.union([z.strictObject({ value: z.string() }), z.strictObject({ file: z.string().min(1) })], { error: "must be {value: …} or {file: path}" }),
    )
    .default({}),
  /** The backup store (k0s.backup / k0s.restore); without it this relay refuses both. */
  backups: z
    .object({
      dir: z.string().min(1),
      /** 32 random bytes (raw or 64 hex digits), mode 0600: the AES-256-GCM key archives are encrypted with. */
      keyFile: z.string().min(1),
      /** Backups kept per cluster; older ones are deleted after each new backup. */
      keep: z.number().int().min(1).max(1000).default(7),
    })
    .strict()
    .optional(),
});
export type RelayConfigInput = z.input<typeof RelayConfigFile>;

/** journal limits in the units journal-pruning.ts works in. */
export function journalLimits(cfg: Pick<RelayConfig, "journal">): JournalLimits {
  const hour = 3600_000;
  return { maxAgeMs: cfg.journal.maxAgeHours * hour, maxBytes: Math.round(cfg.journal.maxMiB * 1024 * 1024), secretsMaxAgeMs: cfg.journal.secretsMaxAgeHours * hour };
}

/** The config after defaults, with the token resolved and paths made absolute. */
export type RelayConfig = Omit<z.output<typeof RelayConfigFile>, "api"> & {
  api: { url: string; token: string };
};

export class ConfigError extends Error {}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path
        .map((p, i) => (typeof p === "number" ? `[${p}]` : `${i === 0 ? "" : "."}${String(p)}`))
        .join("");
      return `${path || "(config)"}: ${issue.message}`;
    })
    .join("; ");
}

/**
 * Validates a config object. Relative paths resolve against `baseDir` (the
 * config file's folder); `KEEL_RELAY_TOKEN` in `env` overrides the token.
 */
export async function resolveRelayConfig(
  input: unknown,
  opts: { baseDir?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<RelayConfig> {
  const parsed = RelayConfigFile.safeParse(input);
  if (!parsed.success) throw new ConfigError(`invalid relay config: ${formatIssues(parsed.error)}`);
  const cfg = parsed.data;
  const baseDir = opts.baseDir ?? process.cwd();
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));

  let token = opts.env?.KEEL_RELAY_TOKEN?.trim() || cfg.api.token;
  if (!token && cfg.api.tokenFile) {
    try {
      token = (await readFile(abs(cfg.api.tokenFile), "utf8")).trim();
    } catch (err) {
      const code = err instanceof Error && "code" in err ? String(err.code) : "unreadable";
      throw new ConfigError(`invalid relay config: api.tokenFile: cannot read ${abs(cfg.api.tokenFile)} (${code})`);
    }
  }
  if (!token) throw new ConfigError("invalid relay config: api.token: required (or api.tokenFile, or env KEEL_RELAY_TOKEN)");

  return {
    ...cfg,
    api: { url: cfg.api.url, token },
    stateDir: abs(cfg.stateDir),
    policy: { ...cfg.policy, uploadRoots: cfg.policy.uploadRoots.map(abs), ...(cfg.policy.keyRoots ? { keyRoots: cfg.policy.keyRoots.map((r) => (r.startsWith("~") ? r : abs(r))) } : {}) },
    secrets: Object.fromEntries(Object.entries(cfg.secrets).map(([name, s]) => [name, "file" in s ? { file: abs(s.file) } : s])),
    ...(cfg.backups ? { backups: { ...cfg.backups, dir: abs(cfg.backups.dir), keyFile: abs(cfg.backups.keyFile) } } : {}),
  };
}

export async function loadRelayConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<RelayConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new ConfigError(`cannot read relay config ${path}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`relay config ${path} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
  return resolveRelayConfig(doc, { baseDir: dirname(resolve(path)), env });
}
