import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from "node:dns";
import type { IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * GETs the relay makes for the API (file URLs, k0s binaries with fetch
 * "relay"): only URLs under policy.allowedUrls, never to a link-local or
 * cloud metadata address (checked on every address a name resolves to, and
 * the connection goes to the address that was checked, so a DNS answer cannot
 * change between check and connect), redirects followed by hand and each
 * target held to the same rules.
 */

const MAX_REDIRECTS = 5;

// Link-local (every cloud's metadata service lives there) and the metadata
// addresses outside it; "this network" and the unspecified addresses too.
const REFUSED = new BlockList();
REFUSED.addSubnet("169.254.0.0", 16, "ipv4");
REFUSED.addSubnet("0.0.0.0", 8, "ipv4");
REFUSED.addAddress("100.100.100.200", "ipv4"); // Alibaba Cloud
REFUSED.addAddress("192.0.0.192", "ipv4"); // Oracle Cloud (older)
REFUSED.addSubnet("fe80::", 10, "ipv6");
REFUSED.addAddress("fd00:ec2::254", "ipv6"); // AWS over IPv6
REFUSED.addAddress("::", "ipv6");

/** Why `address` may not be fetched from, or undefined when it may. */
export function refusedAddress(address: string): string | undefined {
  const v = isIP(address);
  if (v === 0) return undefined;
  const mapped = v === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  const refused = mapped ? REFUSED.check(mapped, "ipv4") : REFUSED.check(address, v === 4 ? "ipv4" : "ipv6");
  return refused ? `${address} is a link-local or cloud metadata address` : undefined;
}

export class UrlRefused extends Error {
  override name = "UrlRefused";
}

/** `url` normalized the way it is compared with policy.allowedUrls. */
export function normalizeUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export function urlAllowed(url: string, allowedUrls: readonly string[]): boolean {
  const href = normalizeUrl(url);
  return href !== undefined && allowedUrls.some((prefix) => href.startsWith(prefix));
}

export interface GuardedGetOptions {
  allowedUrls: readonly string[];
  signal: AbortSignal;
  /** The resolver; tests hand one that answers names no DNS server knows. */
  lookup?: LookupFunction;
}

/** GET `url` (2xx answers only reach the caller); throws UrlRefused for anything the rules above refuse. */
export async function guardedGet(url: string, opts: GuardedGetOptions): Promise<IncomingMessage> {
  let current = url;
  for (let hop = 0; ; hop++) {
    if (!urlAllowed(current, opts.allowedUrls)) {
      throw new UrlRefused(`${hop === 0 ? "" : `redirect to `}${current} is outside this relay's policy.allowedUrls`);
    }
    const target = new URL(current);
    const literal = target.hostname.replace(/^\[|\]$/g, "");
    const why = refusedAddress(literal);
    if (why) throw new UrlRefused(`${current} refused: ${why}`);
    const res = await get(target, opts);
    const location = res.headers.location;
    if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400 && location !== undefined) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
      current = new URL(location, target).href;
      continue;
    }
    if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) {
      res.resume();
      throw new Error(`HTTP ${res.statusCode ?? "?"} ${res.statusMessage ?? ""}`.trim());
    }
    return res;
  }
}

function get(url: URL, opts: GuardedGetOptions): Promise<IncomingMessage> {
  const resolver = opts.lookup ?? (dnsLookup as LookupFunction);
  const lookup = ((hostname: string, options: LookupOneOptions | LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    resolver(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "");
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: isIP(addresses) }];
      const bad = list.map((a) => refusedAddress(a.address)).find((why) => why !== undefined);
      if (bad) return callback(new UrlRefused(`${url.href} refused: ${hostname} resolves to ${bad.replace(/ is /, ", ")}`), "");
      if ("all" in options && options.all) return callback(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), "");
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
  return new Promise((resolve, reject) => {
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(url, { signal: opts.signal, lookup }, resolve);
    req.on("error", reject);
    req.end();
  });
}
