import type { ClusterSpec } from "../../schema/cluster";

/**
 * The /etc/k0s/k0s.yaml of one controller, as a JSON object (the relay renders
 * YAML). Built from spec.k0s.config, which keel keeps as given, plus what only
 * the planner knows:
 *
 * - spec.api.sans gains every controller's address and private address (not
 *   those being reset) and the external address, so any of them can serve the
 *   API certificate;
 * - spec.storage.etcd.peerAddress becomes this host's private address: a
 *   single value copied to every controller (as the seed article's config
 *   does) would make them all announce the first one's peer URL;
 * - spec.api.address stays as given. k0s defaults it to each controller's own
 *   address, which is right; filling in one host's address would make every
 *   apiserver advertise that host.
 */
export interface ConfigHost {
  address: string;
  privateAddress: string;
  reset: boolean;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object at `key`, created if absent (config values are plain JSON). */
function child(parent: Obj, key: string): Obj {
  const existing = parent[key];
  if (isObj(existing)) return existing;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

export function k0sConfigFor(spec: ClusterSpec, host: ConfigHost, controllers: readonly ConfigHost[]): Obj {
  const base: unknown = JSON.parse(JSON.stringify(spec.spec.k0s.config ?? {}));
  const cfg: Obj = isObj(base) ? base : {};
  cfg.apiVersion ??= "k0s.k0sproject.io/v1beta1";
  cfg.kind ??= "ClusterConfig";
  const meta = child(cfg, "metadata");
  meta.name ??= "k0s";
  const cfgSpec = child(cfg, "spec");

  const api = child(cfgSpec, "api");
  api.port ??= 6443;
  api.k0sApiPort ??= 9443;
  const sans: string[] = Array.isArray(api.sans) ? api.sans.filter((s): s is string => typeof s === "string") : [];
  const add = (s: string | undefined) => {
    if (s !== undefined && s !== "" && !sans.includes(s)) sans.push(s);
  };
  for (const c of controllers) {
    if (c.reset) continue;
    add(c.address);
    add(c.privateAddress);
  }
  add(typeof api.externalAddress === "string" ? api.externalAddress : undefined);
  api.sans = sans;

  const storage = child(cfgSpec, "storage");
  storage.type ??= "etcd";
  if (storage.type === "etcd") child(storage, "etcd").peerAddress = host.privateAddress;
  return cfg;
}

/** Structural equality of two JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}
