import type { HostOsStep } from "../../schema/steps";
import type { z } from "zod";
import { sh } from "../quote";
import { commandFailed, isFailure, succeeded, type StepContext, type StepOutcome } from "./step-context";

/** Parses os-release(5): KEY=value, value optionally quoted with shell-like escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m || m[1] === undefined || m[2] === undefined) continue;
    let value = m[2];
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\([\\$"`])/g, "$1");
    } else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1);
    }
    fields[m[1]] = value;
  }
  return fields;
}

/** `uname -m` → the arch names k0s releases use (as k0sctl maps them). */
export function normalizeArch(machine: string): string {
  const m = machine.trim();
  switch (m) {
    case "x86_64":
      return "amd64";
    case "aarch64":
    case "arm64":
      return "arm64";
    case "armv7l":
    case "armv8l":
    case "armv7":
    case "aarch32":
    case "arm32":
    case "armhf":
    case "armhfp":
    case "arm-32":
      return "arm";
    default:
      return m;
  }
}

export async function hostOs(_step: z.infer<typeof HostOsStep>, ctx: StepContext): Promise<StepOutcome> {
  const catOsRelease = sh`cat /etc/os-release`;
  const osRes = await ctx.run(catOsRelease);
  if (isFailure(osRes)) return commandFailed(catOsRelease, osRes);
  const fields = parseOsRelease(osRes.stdout);

  const unameM = sh`uname -m`;
  const archRes = await ctx.run(unameM);
  if (isFailure(archRes)) return commandFailed(unameM, archRes);

  return succeeded(archRes, {
    os: {
      id: (fields.ID ?? "linux").slice(0, 100),
      version: (fields.VERSION_ID ?? "").slice(0, 100),
      name: (fields.PRETTY_NAME ?? fields.NAME ?? "").slice(0, 200),
    },
    arch: normalizeArch(archRes.stdout).slice(0, 50),
  });
}
