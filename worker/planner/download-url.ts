/**
 * k0sDownloadURL token expansion, as k0sctl does it: %p → k0s's name for the
 * host architecture, %v → the version as k0s prints it (v1.21.2+k0s.1), %x →
 * the executable suffix (empty on Linux, the only OS keel drives), %% → %.
 */

export const DEFAULT_DOWNLOAD_URL = "https://github.com/k0sproject/k0s/releases/download/%v/k0s-%v-%p%x";

/** `uname -m` → the arch suffix of k0s release assets; null when k0s ships no build for it. */
export function k0sArch(unameMachine: string): string | null {
  switch (unameMachine.trim().toLowerCase()) {
    case "x86_64":
    case "amd64":
      return "amd64";
    case "aarch64":
    case "arm64":
      return "arm64";
    case "armv7l":
    case "armv7":
    case "armv6l":
    case "armhf":
    case "arm":
      return "arm";
    default:
      return null;
  }
}

export type ExpandResult = { ok: true; url: string } | { ok: false; message: string };

/** `arch` is k0s's arch name (see k0sArch), or null when unknown: only an error if the URL uses %p. */
export function expandDownloadUrl(template: string, version: string, arch: string | null): ExpandResult {
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c !== "%") {
      out += c;
      continue;
    }
    const token = template[i + 1];
    i++;
    switch (token) {
      case "%":
        out += "%";
        break;
      case "v":
        out += version;
        break;
      case "x":
        break;
      case "p":
        if (arch === null) return { ok: false, message: "uses %p but the host's architecture is unknown or has no k0s build" };
        out += arch;
        break;
      default:
        return { ok: false, message: `unknown token %${token ?? ""} (known: %p, %v, %x, %%)` };
    }
  }
  return { ok: true, url: out };
}
