/**
 * The relay's one quoting helper. Every command that reaches a host is built
 * here: interpolations are POSIX single-quoted, so nothing a step carries can
 * become shell syntax. Only ShellText (built by this module) is spliced raw.
 */

// Module-private factory: no other file can wrap arbitrary text as ShellText.
let trusted: (text: string) => ShellText;

/** Shell source text that this module built; safe to splice into another command. */
export class ShellText {
  private constructor(readonly text: string) {}
  static {
    trusted = (text) => new ShellText(text);
  }
  toString(): string {
    return this.text;
  }
}

// Words made only of these characters mean the same quoted or not, so they
// stay readable in logs (`k0s install --data-dir=/var/lib/k0s`).
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX shell single-quote escaping of one word. */
export function quote(word: string): string {
  if (word.includes("\0")) throw new Error("shell word must not contain NUL");
  if (word === "") return "''";
  if (PLAIN_WORD.test(word)) return word;
  // Inside '…' nothing is special except ' itself: close, emit \', reopen.
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export type ShellValue = string | number | ShellText | readonly (string | number | ShellText)[];

function render(value: ShellValue): string {
  if (value instanceof ShellText) return value.text;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("shell number must be finite");
    return String(value);
  }
  if (typeof value === "string") return quote(value);
  return value.map(render).join(" ");
}

/** Tagged template: `sh\`k0s install ${flag}\`` quotes every interpolation. */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): ShellText {
  let text = strings[0] ?? "";
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? "");
  });
  return trusted(text);
}

/**
 * Runs `command` with root rights: as is for root, else through
 * `sudo -n -- sh -c '…'` like k0sctl (-n: fail instead of prompting for a password).
 */
export function asRoot(user: string, command: ShellText): ShellText {
  if (user === "root") return command;
  return sh`sudo -n -- sh -c ${command.text}`;
}
