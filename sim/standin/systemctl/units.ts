import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

// Unit files as systemd reads them: the unit and its drop-ins
// (*.service.d/*.conf); of [Service], ExecStart= and Environment=.

export const UNIT_DIR = "/etc/systemd/system";

export const unitName = (name: string): string => (name.includes(".") ? name : `${name}.service`);

export function unitFiles(unit: string): string[] {
  const main = join(UNIT_DIR, unit);
  if (!existsSync(main)) return [];
  const dropins = join(UNIT_DIR, `${unit}.d`);
  const extra = existsSync(dropins) ? readdirSync(dropins).filter((f) => f.endsWith(".conf")).sort().map((f) => join(dropins, f)) : [];
  return [main, ...extra];
}

/** systemd's word splitting: whitespace separates, double or single quotes group, backslash escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (c === "\\" && i + 1 < text.length) {
      word = (word ?? "") + (text[++i] ?? "");
    } else if (quote) {
      if (c === quote) quote = null;
      else word = (word ?? "") + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word = word ?? "";
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

export interface ServiceUnit {
  execStart: string[] | undefined;
  env: Record<string, string>;
}

export function readUnit(unit: string): ServiceUnit | undefined {
  const files = unitFiles(unit);
  if (files.length === 0) return undefined;
  const service: ServiceUnit = { execStart: undefined, env: {} };
  for (const file of files) {
    let section = "";
    for (const raw of readFileSync(file, "utf8").split("\n")) {
      const line = raw.trim();
      if (!line || line.startsWith("#") || line.startsWith(";")) continue;
      if (line.startsWith("[")) {
        section = line;
        continue;
      }
      if (section !== "[Service]") continue;
      const eq = line.indexOf("=");
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (key === "ExecStart") service.execStart = value ? splitWords(value.replace(/^[-@+!]+/, "")) : undefined;
      if (key === "Environment") {
        for (const pair of splitWords(value)) {
          const at = pair.indexOf("=");
          if (at > 0) service.env[pair.slice(0, at)] = pair.slice(at + 1);
        }
      }
    }
  }
  return service;
}
