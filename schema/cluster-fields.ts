import { z } from "zod";
import { SafeAddress, SafeUser } from "./step-base";

/**
 * Scalar field types of k0sctl.yaml, shared by the host, k0s and options
 * schemas. Values that reach a command line or an SSH connection are held to
 * narrow character sets here, so the relay never has to guess.
 */

// Go's yaml decoder writes any scalar into a string field as its text
// (`FOO: 1` in environment is "1"); k0sctl inherits that, so keel does too.
export const ScalarString = z.preprocess(
  (v) => (typeof v === "number" || typeof v === "boolean" ? String(v) : v),
  z.string().max(65_536),
);

/** A line that ends up in a file or on a command line: no NUL, CR or LF. */
export const OneLine = ScalarString.pipe(z.string().regex(/^[^\0\r\n]*$/, "must be a single line without NUL"));

/** IP or hostname reached over SSH. A leading '-' would read as an option to ssh-like tools. */
export const HostAddress = SafeAddress.refine((s) => !s.startsWith("-"), "must not start with '-'");

/** The same rule the relay applies to a step's ssh user. */
export const LoginName = SafeUser;

/** Relay-side or host-side path: no control characters (NUL, newline, escape…). */
export const CleanPath = z
  .string()
  .min(1)
  .max(4096)
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  .regex(/^[^\x00-\x1f\x7f]+$/, "must be a path without NUL, newlines or other control characters");

export const IpAddress = z
  .string()
  .refine((s) => z.ipv4().safeParse(s).success || z.ipv6().safeParse(s).success, "must be an IP address");

export const Cidr = z
  .string()
  .refine((s) => z.cidrv4().safeParse(s).success || z.cidrv6().safeParse(s).success, "must be a CIDR like 10.244.0.0/16");

// Go's time.Duration text form, as k0sctl's options are decoded (120s, 2m0s, 1h30m).
const DURATION = /^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/;
const DURATION_UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export const GoDuration = z.string().regex(DURATION, "must be a duration like 120s, 5m or 1h30m");

/** Milliseconds in a Go duration string already checked by GoDuration. */
export function goDurationMs(duration: string): number {
  let total = 0;
  for (const m of duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (DURATION_UNIT_MS[m[2] ?? "s"] ?? 0);
  }
  return Math.round(total);
}

// k0s versions look like v1.21.2+k0s.1; k0sctl takes them with or without the v.
const K0S_VERSION = /^v?(\d{1,4})\.(\d{1,4})\.(\d{1,4})(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** The k0s version, stored without the leading "v" (see displayK0sVersion). */
export const K0sVersion = z
  .string()
  .max(100)
  .superRefine((s, ctx) => {
    const m = K0S_VERSION.exec(s);
    if (!m) {
      // k0sproject/version (what k0sctl uses) also takes "1.21" or "1"; keel downloads and compares exact releases.
      const short = /^v?\d+(\.\d+)?$/.test(s) ? ": k0s releases have three numbers, and keel needs the exact release it downloads and compares" : "";
      ctx.addIssue({ code: "custom", message: `must be a k0s version like v1.21.2+k0s.1${short}` });
      return;
    }
    const [major, minor] = [Number(m[1]), Number(m[2])];
    if (major === 0 && minor < 11) ctx.addIssue({ code: "custom", message: "must be at least 0.11.0 (k0sctl does not support older k0s)" });
  })
  .transform((s) => s.replace(/^v/, ""));

/** k0sctl treats an empty string like an absent field (Go's zero value), e.g. `version: ""` or `perm: ""`. */
export function emptyAsAbsent<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === "" ? undefined : v), schema);
}

/** major, minor, patch, prerelease?, k0s build number, for k0sctl's minimum-version checks. */
export function k0sVersionAtLeast(version: string, minimum: [number, number, number, number]): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[^+]*)?(?:\+k0s\.(\d+))?/.exec(version);
  if (!m) return true;
  const have = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    const [a, b] = [have[i] ?? 0, minimum[i] ?? 0];
    if (a !== b) return a > b;
  }
  if (m[4] !== undefined) return false;
  return Number(m[5] ?? 0) >= minimum[3];
}

/** The form k0s prints: "v1.21.2+k0s.1". */
export function displayK0sVersion(version: string): string {
  return version.startsWith("v") ? version : `v${version}`;
}

export type PermCheck = { ok: true; mode: number } | { ok: false; message: string };

/**
 * k0sctl's perm rules. A number is a mode value (YAML 1.1 `0755` is already
 * octal 493 by the time it arrives); a string is octal digits. Zero, digits
 * above 7 and an owner with less than read access are mistakes k0sctl refuses,
 * most often a decimal 755 that should have been 0755.
 */
export function checkPerm(value: number | string): PermCheck {
  let mode: number;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) return { ok: false, message: `invalid permission ${value}: must be a positive integer` };
    mode = value;
  } else {
    if (!/^\d{1,5}$/.test(value)) return { ok: false, message: `invalid permission "${value}": must be octal digits like "0644"` };
    if (/[89]/.test(value)) return { ok: false, message: `invalid permission "${value}": octal digits cannot be above 7` };
    mode = parseInt(value, 8);
  }
  if (mode === 0) return { ok: false, message: "invalid permission 0: a file needs at least owner read access" };
  const octal = mode.toString(8);
  if (mode > 0o7777) {
    const hint = typeof value === "number" && /^[0-7]{3,4}$/.test(String(value)) ? ` (did you mean 0${value}?)` : "";
    return { ok: false, message: `invalid permission ${value}: octal ${octal} is not a file mode${hint}` };
  }
  if (((mode >> 6) & 7) < 4) {
    const hint = typeof value === "number" ? ` (the decimal number ${value} is octal ${octal}; write 0${value} or "${value}")` : "";
    return { ok: false, message: `invalid permission ${value}: owner would have no read access${hint}` };
  }
  return { ok: true, mode };
}

/** A file mode, given as a number or octal string, stored as four octal digits ("0644"). */
export const FilePerm = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const checked = checkPerm(value);
  if (!checked.ok) {
    ctx.addIssue({ code: "custom", message: checked.message });
    return z.NEVER;
  }
  return checked.mode.toString(8).padStart(4, "0");
});

/** Names that go into a systemd drop-in `Environment=` line. */
export const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name");
