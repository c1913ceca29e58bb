import type { Host } from "../../schema/cluster";
import type { PlanIssue } from "./plan";

/**
 * What a host's k0sctl fields become on `k0s install`: installFlags split into
 * argv tokens (the relay quotes each), the kubelet's extra args gathered into
 * one list (hostname → --hostname-override, as k0sctl passes it), and the
 * flags keel itself sets taken out of the user's list so they appear once.
 */
export interface InstallArgs {
  installFlags: string[];
  kubeletExtraArgs: string[];
  dataDir: string;
  enableWorker: boolean;
  noTaints: boolean;
  single: boolean;
}

export type InstallArgsResult = { ok: true; args: InstallArgs } | { ok: false; issues: PlanIssue[] };

const DEFAULT_DATA_DIR = "/var/lib/k0s";

/** Shell-like word splitting of one installFlags entry: quotes group, backslash escapes. Null when quotes are unbalanced. */
export function splitShellWords(text: string): string[] | null {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && i + 1 < text.length && '"\\$`'.includes(text.charAt(i + 1))) word += text.charAt(++i);
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      word += text.charAt(++i);
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) return null;
  if (inWord) words.push(word);
  return words;
}

// Flags keel derives from the host's role and fields; in installFlags they may
// only repeat what the role already says.
function roleFlags(host: Host): Map<string, boolean> {
  return new Map([
    ["--enable-worker", host.role === "controller+worker"],
    ["--no-taints", host.role === "controller+worker" && host.noTaints],
    ["--single", host.role === "single"],
  ]);
}
// Flags whose value keel owns: the token file and config file it writes.
const OWNED_FLAGS = ["--token-file", "--config", "-c"];

function boolValue(value: string | undefined): boolean | null {
  if (value === undefined || value === "true") return true;
  if (value === "false") return false;
  return null;
}

export function installArgs(host: Host, index: number): InstallArgsResult {
  const at = `spec.hosts[${index}].installFlags`;
  const issues: PlanIssue[] = [];
  const wanted = roleFlags(host);
  const installFlags: string[] = [];
  const kubeletExtraArgs: string[] = [];
  let dataDir = host.dataDir;

  host.installFlags.forEach((entry, j) => {
    const words = splitShellWords(entry);
    if (words === null) {
      issues.push({ path: `${at}[${j}]`, message: "has unbalanced quotes" });
      return;
    }
    for (let w = 0; w < words.length; w++) {
      const word = words[w] ?? "";
      const eq = word.indexOf("=");
      const name = eq >= 0 ? word.slice(0, eq) : word;
      let value = eq >= 0 ? word.slice(eq + 1) : undefined;
      const takesValue = name === "--kubelet-extra-args" || name === "--data-dir";
      if (takesValue && value === undefined) value = words[++w];
      if (OWNED_FLAGS.includes(name)) {
        issues.push({ path: `${at}[${j}]`, message: `${name} is set by keel (it writes the token and config files itself): remove it` });
      } else if (name === "--kubelet-extra-args") {
        kubeletExtraArgs.push(...(value ?? "").split(/\s+/).filter((a) => a !== ""));
      } else if (name === "--data-dir") {
        if (value === undefined || value === "") issues.push({ path: `${at}[${j}]`, message: "--data-dir needs a value" });
        else if (host.dataDir !== DEFAULT_DATA_DIR && value !== host.dataDir) issues.push({ path: `${at}[${j}]`, message: `--data-dir=${value} contradicts dataDir ${host.dataDir}: keep one` });
        else dataDir = value;
      } else if (wanted.has(name)) {
        if (boolValue(value) !== wanted.get(name)) {
          issues.push({ path: `${at}[${j}]`, message: `${word} contradicts role ${host.role}${name === "--no-taints" ? " and noTaints" : ""}: keel sets ${name} from them` });
        }
      } else {
        installFlags.push(word);
      }
    }
  });

  if (host.hostname !== undefined) {
    const override = kubeletExtraArgs.find((a) => a.startsWith("--hostname-override="));
    if (override === undefined) kubeletExtraArgs.push(`--hostname-override=${host.hostname}`);
    else if (override !== `--hostname-override=${host.hostname}`) {
      issues.push({ path: at, message: `kubelet ${override} contradicts hostname ${host.hostname}: keep one` });
    }
  }

  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    args: {
      installFlags,
      kubeletExtraArgs,
      dataDir,
      enableWorker: wanted.get("--enable-worker") === true,
      noTaints: wanted.get("--no-taints") === true,
      single: wanted.get("--single") === true,
    },
  };
}
