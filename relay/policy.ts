import { BlockList, isIP, type LookupFunction } from "node:net";
import { realpath } from "node:fs/promises";
import { relative, isAbsolute, posix, resolve, sep } from "node:path";
import { z } from "zod";
import type { HostTarget, Step } from "../schema/steps";
import { loadsCode } from "./protected-environment";
import { isAtOrBelow, normalizeHostPath, protectedPlace } from "./protected-destinations";
import { expandHome } from "./ssh-connection";
import { normalizeUrl, urlAllowed } from "./url-fetch";

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
const ALLOWED: PolicyDecision = { allowed: true };

/** Where keel installs k0s unless a relay's policy.k0sInstallPaths says otherwise (k0sctl's default too). */
export const DEFAULT_K0S_INSTALL_PATHS = ["/usr/local/bin/k0s"];

export interface PolicyOptions {
  allowedHosts: readonly string[];
  uploadRoots?: readonly string[];
  allowHooks?: boolean;
  keyRoots?: readonly string[];
  k0sInstallPaths?: readonly string[];
  allowUploadsTo?: readonly string[];
  uploadDestinations?: readonly string[];
  allowEnvironment?: readonly string[];
  allowedUrls?: readonly string[];
  /** How URL hosts are resolved for the address check; tests hand one that knows names DNS does not. */
  urlLookup?: LookupFunction;
}

export class Policy {
  private readonly ips = new BlockList();
  private readonly hostnames = new Set<string>();
  private readonly roots: readonly string[];
  private readonly keyRoots: readonly string[] | undefined;

  private readonly k0sInstallPaths: readonly string[];
  private readonly allowUploadsTo: readonly string[];
  private readonly uploadDestinations: readonly string[] | undefined;
  private readonly allowEnvironment: ReadonlySet<string>;

  constructor(opts: PolicyOptions) {
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
    this.k0sInstallPaths = (opts.k0sInstallPaths ?? DEFAULT_K0S_INSTALL_PATHS).map(normalizeHostPath);
    this.allowUploadsTo = (opts.allowUploadsTo ?? []).map(normalizeHostPath);
    this.uploadDestinations = opts.uploadDestinations?.map(normalizeHostPath);
    this.allowEnvironment = new Set(opts.allowEnvironment ?? []);
    this.allowedUrls = (opts.allowedUrls ?? []).map((u) => normalizeUrl(u) ?? u);
    if (opts.urlLookup) this.urlLookup = opts.urlLookup;
  }

  /** URL prefixes the relay itself may download from (normalized like the URLs they are compared with). */
  readonly allowedUrls: readonly string[];
  readonly urlLookup?: LookupFunction;

  /**
   * What a step may do on the host, beyond reaching it: which k0s binary it
   * runs, where it writes, what environment it gives k0s. Decided from the
   * step alone, before any connection. file.upload's relay folders and globs
   * are checked again file by file once expanded (checkUploadDestination).
   */
  checkStep(step: Step): PolicyDecision {
    if ("installPath" in step && !this.isK0sInstallPath(step.installPath)) {
      return { allowed: false, message: `installPath ${step.installPath} is not one of this relay's policy.k0sInstallPaths (${this.k0sInstallPaths.join(", ")})` };
    }
    switch (step.kind) {
      case "k0s.config.write":
        if (!this.isK0sInstallPath(step.validateWith) && !this.isStagedK0s(step.validateWith)) {
          return { allowed: false, message: `validateWith ${step.validateWith} is neither one of this relay's policy.k0sInstallPaths nor a binary staged beside one` };
        }
        return this.checkWrite(step.path, "config");
      case "k0s.binary.stage":
        if (step.source.from === "url" && step.source.fetch === "relay" && !urlAllowed(step.source.url, this.allowedUrls)) return this.urlRefused(step.source.url);
        return this.isStagedK0s(step.tmpPath) ? ALLOWED : { allowed: false, message: `tmpPath ${step.tmpPath} is not beside one of this relay's policy.k0sInstallPaths` };
      case "k0s.binary.install":
        return this.isStagedK0s(step.tmpPath, step.installPath) ? ALLOWED : { allowed: false, message: `tmpPath ${step.tmpPath} is not beside installPath ${step.installPath}` };
      case "file.upload": {
        if (step.source.from === "url" && !urlAllowed(step.source.url, this.allowedUrls)) return this.urlRefused(step.source.url);
        if (step.dst !== undefined) return this.checkUploadDestination(step.dst);
        const dir = step.dstDir ?? "/";
        const whole = this.checkUploadDestination(dir);
        if (!whole.allowed || step.source.from !== "data" || step.name === undefined) return whole;
        return this.checkUploadDestination(posix.join(dir, step.name));
      }
      case "k0s.install": {
        const refused = Object.keys(step.environment).find((name) => loadsCode(name) && !this.allowEnvironment.has(name));
        if (refused === undefined) return ALLOWED;
        return { allowed: false, message: `environment ${refused} refused: it makes programs load or run other code; list it in this relay's policy.allowEnvironment to allow it` };
      }
      default:
        return ALLOWED;
    }
  }

  /** Whether file.upload may write `path` on a host (protected places, the k0s binaries, policy.uploadDestinations). */
  checkUploadDestination(path: string): PolicyDecision {
    const target = normalizeHostPath(path);
    if (this.uploadDestinations !== undefined && !this.uploadDestinations.some((d) => isAtOrBelow(d, target))) {
      return { allowed: false, message: `upload to ${target} refused: outside this relay's policy.uploadDestinations` };
    }
    return this.checkWrite(path, "upload");
  }

  private checkWrite(path: string, what: "upload" | "config"): PolicyDecision {
    const target = normalizeHostPath(path);
    // Only k0s.binary.* put the k0s binary in place; no exception opens it.
    if (this.k0sInstallPaths.some((k) => target === k || target.startsWith(`${k}.`))) {
      return { allowed: false, message: `${what} to ${target} refused: that is the k0s binary (policy.k0sInstallPaths), which only keel's binary steps write; policy.allowUploadsTo cannot open it` };
    }
    const place = protectedPlace(target);
    if (place === undefined || this.allowUploadsTo.some((a) => isAtOrBelow(a, target))) return ALLOWED;
    return { allowed: false, message: `${what} to ${target} refused: a place the host executes from (${place}); list it in this relay's policy.allowUploadsTo to allow it` };
  }

  private urlRefused(url: string): PolicyDecision {
    return { allowed: false, message: `${url} is outside this relay's policy.allowedUrls (the relay downloads only from there)` };
  }

  private isK0sInstallPath(path: string): boolean {
    return this.k0sInstallPaths.includes(normalizeHostPath(path));
  }

  /** A binary staged beside an allowed install path (`<installPath>.<suffix>`, same folder): only k0s.binary.stage writes there. */
  private isStagedK0s(path: string, installPath?: string): boolean {
    const target = normalizeHostPath(path);
    const homes = installPath === undefined ? this.k0sInstallPaths : this.isK0sInstallPath(installPath) ? [normalizeHostPath(installPath)] : [];
    return homes.some((k) => target.startsWith(`${k}.`) && !target.slice(k.length).includes("/"));
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
