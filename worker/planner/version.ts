/**
 * k0s version order. k0s versions are semver with a build part that counts
 * k0s's own releases of one Kubernetes version (v1.21.2+k0s.0 < +k0s.1), so
 * unlike plain semver the build part takes part in the order.
 */

interface Parsed {
  core: [number, number, number];
  pre: string[];
  build: string[];
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

function parse(version: string): Parsed | null {
  const m = VERSION.exec(version.trim());
  if (!m) return null;
  return {
    core: [Number(m[1]), Number(m[2]), Number(m[3])],
    pre: m[4] ? m[4].split(".") : [],
    build: m[5] ? m[5].split(".") : [],
  };
}

export function isK0sVersion(version: string): boolean {
  return parse(version) !== null;
}

/** The form k0s prints and the relay compares: with the leading "v". */
export function normalizeK0sVersion(version: string): string {
  const v = version.trim();
  return v.startsWith("v") ? v : `v${v}`;
}

function compareIdentifiers(a: string[], b: string[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : null;
    const ny = /^\d+$/.test(y) ? Number(y) : null;
    if (nx !== null && ny !== null) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (nx !== null) {
      return -1;
    } else if (ny !== null) {
      return 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

/** -1, 0 or 1; null when either side is not a k0s version. */
export function compareK0sVersions(a: string, b: string): -1 | 0 | 1 | null {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return null;
  for (let i = 0; i < 3; i++) {
    const d = (x.core[i] ?? 0) - (y.core[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  // A pre-release sorts before its release.
  if (x.pre.length === 0 && y.pre.length > 0) return 1;
  if (x.pre.length > 0 && y.pre.length === 0) return -1;
  const pre = compareIdentifiers(x.pre, y.pre);
  if (pre !== 0) return pre < 0 ? -1 : 1;
  const build = compareIdentifiers(x.build, y.build);
  return build < 0 ? -1 : build > 0 ? 1 : 0;
}
