// Flags with pflag's semantics, per command: k0s has no global flags, and an
// unknown one is "Error: unknown flag: --x" (exit 1), which the relay must never see.

export class UsageError extends Error {}
export class HelpRequest extends Error {}

type FlagType = "bool" | "string" | "strings" | "duration";
export interface FlagSpec {
  long: string;
  short?: string;
  type: FlagType;
}

export const bool = (long: string, short?: string): FlagSpec => ({ long, short, type: "bool" });
export const str = (long: string, short?: string): FlagSpec => ({ long, short, type: "string" });
export const strings = (long: string, short?: string): FlagSpec => ({ long, short, type: "strings" });
export const duration = (long: string): FlagSpec => ({ long, type: "duration" });

export const DEBUG = [bool("debug", "d"), bool("verbose", "v"), str("debugListenOn")];
export const DATA_DIR = [str("data-dir")];
export const CONFIG = [str("config", "c")];
export const STATUS_SOCKET = [str("status-socket")];
export const WORKER = [
  str("token-file"), str("kubelet-extra-args"), strings("labels"), strings("taints"), str("cri-socket"),
  str("profile"), bool("enable-cloud-provider"), str("iptables-mode"), str("kubelet-root-dir"), bool("enable-metrics-scraper"),
];
export const CONTROLLER = [
  ...WORKER.filter((f) => f.long !== "enable-metrics-scraper"),
  bool("enable-worker"), bool("no-taints"), bool("single"), strings("disable-components"), bool("enable-dynamic-config"),
  bool("enable-k0s-cloud-provider"), str("k0s-cloud-provider-update-frequency"), str("k0s-cloud-provider-port"),
  bool("enable-metrics-scraper"), bool("ignore-pre-flight-checks"), bool("init-only"),
];
export const INSTALL_ONLY = [bool("force"), strings("env", "e")];

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/** Go's time.ParseDuration, in milliseconds; undefined when invalid. */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((m) => m[0]).join("") !== text) return undefined;
  return parts.reduce((ms, m) => ms + Number(m[1]) * (DURATION_UNITS[m[2] ?? ""] ?? 0), 0);
}

type FlagValue = string | boolean | string[];

/** The flags a command was given, by long name. */
export class Flags {
  constructor(private readonly values: ReadonlyMap<string, FlagValue> = new Map()) {}
  string(name: string): string | undefined {
    const v = this.values.get(name);
    return typeof v === "string" ? v : undefined;
  }
  bool(name: string): boolean {
    return this.values.get(name) === true;
  }
  list(name: string): string[] | undefined {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : undefined;
  }
  /** Every flag that was set, with its value as k0s writes it into a unit file. */
  entries(): [string, string][] {
    return [...this.values].map(([k, v]) => [k, Array.isArray(v) ? v.join(",") : String(v)]);
  }
}

export function parseFlags(specs: readonly FlagSpec[], args: readonly string[]): { flags: Flags; positional: string[] } {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.flatMap((s) => (s.short ? [[s.short, s] as const] : [])));
  const values = new Map<string, FlagValue>();
  const positional: string[] = [];
  const set = (spec: FlagSpec, name: string, value: string): void => {
    if (spec.type === "bool") {
      const v = value.toLowerCase();
      if (!["1", "t", "true", "0", "f", "false"].includes(v)) throw new UsageError(`invalid argument "${value}" for "${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
      values.set(spec.long, ["1", "t", "true"].includes(v));
    } else if (spec.type === "duration") {
      if (parseDuration(value) === undefined) throw new UsageError(`invalid argument "${value}" for "${name}" flag: time: invalid duration "${value}"`);
      values.set(spec.long, value);
    } else if (spec.type === "strings") {
      const prev = values.get(spec.long);
      values.set(spec.long, [...(Array.isArray(prev) ? prev : []), ...value.split(",")]);
    } else {
      values.set(spec.long, value);
    }
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const next = (missing: string): string => {
      if (i + 1 >= args.length) throw new UsageError(missing);
      i++;
      return args[i] ?? "";
    };
    if (arg === "--") {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (name === "help") throw new HelpRequest();
      const spec = byLong.get(name) ?? (() => { throw new UsageError(`unknown flag: --${name}`); })();
      if (eq >= 0) set(spec, `--${name}`, arg.slice(eq + 1));
      else if (spec.type === "bool") set(spec, `--${name}`, "true");
      else set(spec, `--${name}`, next(`flag needs an argument: --${name}`));
    } else if (arg.startsWith("-") && arg.length > 1) {
      // shorthands: -d, -dv, -c path, -cpath, -c=path
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j] ?? "";
        if (c === "h") throw new HelpRequest();
        const spec = byShort.get(c) ?? (() => { throw new UsageError(`unknown shorthand flag: '${c}' in ${arg}`); })();
        const rest = arg.slice(j + 1);
        if (spec.type === "bool" && !rest.startsWith("=")) {
          set(spec, `-${c}`, "true");
          continue;
        }
        if (rest) set(spec, `-${c}`, rest.startsWith("=") ? rest.slice(1) : rest);
        else set(spec, `-${c}`, next(`flag needs an argument: '${c}' in -${c}`));
        break;
      }
    } else {
      positional.push(arg);
    }
  }
  return { flags: new Flags(values), positional };
}
