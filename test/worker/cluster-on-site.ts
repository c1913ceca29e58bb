import { expect } from "vitest";
import { CreatedRelay } from "../../schema/api";
import { call, jsonBody, uniqueName } from "./helpers";

export interface ClusterOnSite {
  cluster: string;
  site: string;
  /** The site's registered relay: its name and its token, to connect a RelaySocket with. */
  relay: string;
  token: string;
}

/**
 * What every run test starts from: a cluster stored with `spec` (the
 * k0sctl.yaml `spec:` section) on a site of its own, and a relay registered
 * for that site. Names are unique, so tests never share a cluster or a relay.
 */
export async function clusterOnSite(spec: Record<string, unknown>): Promise<ClusterOnSite> {
  const site = uniqueName("site");
  const cluster = uniqueName("cluster");
  const body = { apiVersion: "k0sctl.k0sproject.io/v1beta1", kind: "Cluster", metadata: { name: cluster }, spec };
  const created = await call("POST", "/v1/clusters", jsonBody({ site, spec: body }));
  expect(created.status, created.text).toBe(201);
  const relay = await call("POST", "/v1/relays", jsonBody({ name: uniqueName("relay"), site }));
  expect(relay.status, relay.text).toBe(201);
  const { name, token } = CreatedRelay.parse(relay.json);
  return { cluster, site, relay: name, token };
}

/** A spec host reached over SSH with the relay's key. */
export function sshHost(address: string, role: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ssh: { address, user: "root", port: 22, keyPath: "/etc/keel-relay/id_ed25519" }, role, ...extra };
}
