import { BlockList, isIP } from "node:net";
import { realpath } from "node:fs/promises";
import { relative, isAbsolute, resolve, sep } from "node:path";
import { z } from "zod";
import type { HostTarget } from "../schema/steps";
import { expandHome } from "./ssh-connection";

/**
 * The relay's own limits, which hold even if the API is compromised: which
 * hosts it may reach (by address, never by DNS lookup), and which relay-side
 * folders uploads may read from.
 */

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

type ParsedPattern =
  | { kind: "cidr"; network: string; prefix: number; family: "ipv4" | "ipv6" }
  | { kind: "address"; address: string; family: "ipv4" | "ipv6" }
  | { kind: "hostname"; name: string };

function family(address: string): "ipv4" | "ipv6" | undefined {
  const v = isIP(address);
  return v === 4 ? "ipv4" : v === 6 ? "ipv6" : undefined;
}

export function parseHostPattern(pattern: string): ParsedPattern | undefined {
  const slash = pattern.indexOf("/");
  if (slash >= 0) {
    const network = pattern.slice(0, slash);
    const prefixText = pattern.slice(slash + 1);
    const fam = family(network);
    if (!fam || !/^\d{1,3}$/.test(prefixText)) return undefined;
    const prefix = Number(prefixText);
    if (prefix > (fam === "ipv4" ? 32 : 128)) return undefined;
    return { kind: "cidr", network, prefix, family: fam };
  }
  const fam = family(pattern);
  if (fam) return { kind: "address", address: pattern, family: fam };
  if (HOSTNAME.test(pattern)) return { kind: "hostname", name: normalizeHostname(pattern) };
  return undefined;
}

function normalizeHostname(name: string): string {
  return name.toLowerCase().replace(/\.$/, "");
}

/** One `policy.allowedHosts` entry: an IPv4/IPv6 CIDR, an exact address, or an exact hostname. */
export const HostPattern = z
  .string()
  .refine((p) => parseHostPattern(p) !== undefined, "must be a CIDR (10.0.0.0/8, fd00::/8), an IP address or a hostname");

export type PolicyDecision = { allowed: true } | { allowed: false; message: string };

export class Policy {
  private readonly ips = new BlockList();
  private readonly hostnames = new Set<string>();
  private readonly roots: readonly string[];
  private readonly keyRoots: readonly string[] | undefined;

  constructor(opts: { allowedHosts: readonly string[]; uploadRoots?: readonly string[]; allowHooks?: boolean; keyRoots?: readonly string[] }) {
    for (const entry of opts.allowedHosts) {
      const p = parseHostPattern(entry);
      if (!p) throw new Error(`policy.allowedHosts: invalid entry ${JSON.stringify(entry)}`);
      if (p.kind === "cidr") this.ips.addSubnet(p.network, p.prefix, p.family);
      else if (p.kind === "address") this.ips.addAddress(p.address, p.family);
      else this.hostnames.add(p.name);
    }
    this.roots = (opts.uploadRoots ?? []).map((r) => resolve(r));
    this.allowHooks = opts.allowHooks ?? false;
    this.keyRoots = opts.keyRoots?.map((r) => resolve(expandHome(r)));
  }

  readonly allowHooks: boolean;

  /** Whether one address (IP or hostname) is inside allowedHosts. */
  allowsAddress(address: string): boolean {
    const fam = family(address);
    if (fam) return this.ips.check(address, fam);
    // A hostname is never resolved here: DNS is not the relay's to trust.
    return this.hostnames.has(normalizeHostname(address));
  }

  /** Checks the target and its bastion before any connection is made. */
  checkTarget(target: HostTarget): PolicyDecision {
    const hops = target.bastion ? [{ role: "bastion", address: target.bastion.address }] : [];
    for (const hop of [{ role: "host", address: target.address }, ...hops]) {
      if (!this.allowsAddress(hop.address)) {
        return {
          allowed: false,
          message: `${hop.role} ${hop.address} is outside this relay's policy.allowedHosts`,
        };
      }
    }
    for (const keyPath of [target.keyPath, target.bastion?.keyPath]) {
      if (keyPath !== undefined && !this.allowsKeyPath(keyPath)) {
        return { allowed: false, message: `keyPath ${keyPath} is outside this relay's policy.keyRoots` };
      }
    }
    return { allowed: true };
  }

  /**
   * Whether the relay may read `keyPath` as an SSH key: anywhere when
   * policy.keyRoots is not set, else only below one of them. Decided on the
   * path's text alone, so a refusal says nothing about the file system.
   */
  allowsKeyPath(keyPath: string): boolean {
    if (this.keyRoots === undefined) return true;
    const path = resolve(expandHome(keyPath));
    return this.keyRoots.some((root) => isBelow(root, path));
  }

  /**
   * Whether a relay-side path lies inside one of the upload roots, after
   * resolving symlinks on both sides (a link pointing out of a root is refused).
   * The path must exist.
   */
  async isUnderUploadRoots(path: string): Promise<boolean> {
    if (!isAbsolute(path)) return false;
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      return false;
    }
    for (const root of this.roots) {
      let realRoot: string;
      try {
        realRoot = await realpath(root);
      } catch {
        continue;
      }
      if (isBelow(realRoot, real)) return true;
    }
    return false;
  }
}

/** `path` is `root` or inside it (both absolute and normalized). */
function isBelow(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}
