/** A seeded PRNG (mulberry32) and the mutations the fuzz test draws from it. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Values that have broken parsers before: empty, huge, signs, exponents, NUL, unicode, YAML and path tricks. */
export const SPECIAL = [
  "",
  " ",
  "0",
  "-1",
  "1e309",
  "NaN",
  "null",
  "~",
  "true",
  "0x10",
  "99999999999999999999",
  "\u0000",
  "%00",
  "💥",
  "é",
  "../../etc/passwd",
  "*anchor",
  "&a [*a, *a]",
  "{",
  "[",
  "'",
  '"',
  "${HOME}",
  "$(id)",
  "`id`",
  "a".repeat(300),
  "x".repeat(5000),
  "!!binary AAAA",
  "<<: *x",
  "__proto__",
  "constructor",
];

/** A YAML text with 1-6 line-level mutations (the security probe's mutateText). */
export function mutateYaml(rng: Rng, text: string): string {
  let lines = text.split("\n");
  for (let k = 0, ops = 1 + rng.int(6); k < ops; k++) {
    const op = rng.int(10);
    const i = rng.int(Math.max(1, lines.length));
    const line = lines[i] ?? "";
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, lines[rng.int(lines.length)] ?? "");
    else if (op === 2) lines[i] = `${line} ${rng.pick(SPECIAL)}`;
    else if (op === 3) lines[i] = line.replace(/: .*/, `: ${rng.pick(SPECIAL)}`);
    else if (op === 4) lines[i] = " ".repeat(rng.int(8)) + line.trimStart();
    else if (op === 5) lines = lines.slice(0, rng.int(lines.length + 1));
    else if (op === 6) {
      const p = rng.int(line.length + 1);
      lines[i] = line.slice(0, p) + String.fromCharCode(rng.int(128)) + line.slice(p + 1);
    } else if (op === 7) lines[i] = line.replace(/name: .*/, `name: fz${rng.int(1e6)}`);
    else if (op === 8) lines.splice(i, 0, `${" ".repeat(rng.int(6))}${rng.pick(["a", "k", "hosts", "files", "hooks", "installFlags", "environment"])}: ${rng.pick(SPECIAL)}`);
    else lines[i] = line.repeat(1 + rng.int(4));
  }
  return lines.join("\n");
}

/** A JSON value with one field replaced, removed or added, recursively somewhere inside. */
export function mutateJson(rng: Rng, value: unknown, depth = 0): unknown {
  const odd = (): unknown => rng.pick<unknown>([null, true, 0, -1, 1e308, "", rng.pick(SPECIAL), [], {}, [rng.pick(SPECIAL)], { a: 1 }]);
  if (depth > 6 || value === null || typeof value !== "object") return rng.chance(0.5) ? odd() : value;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (copy.length === 0 || rng.chance(0.2)) copy.push(odd());
    else copy[rng.int(copy.length)] = mutateJson(rng, copy[rng.int(copy.length)], depth + 1);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const roll = rng.int(10);
  if (keys.length === 0 || roll === 0) copy[rng.pick(["extra", "name", "role", "site", "spec", "yaml", "expiresIn", "expiresAt", "__proto__"])] = odd();
  else if (roll === 1) delete copy[rng.pick(keys)];
  else {
    const key = rng.pick(keys);
    copy[key] = mutateJson(rng, copy[key], depth + 1);
  }
  return copy;
}
