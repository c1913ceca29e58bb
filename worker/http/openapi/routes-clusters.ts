import {
  ClusterJsonBody,
  ClusterListQuery,
  ClusterListResponse,
  ClusterParams,
  ClusterResponse,
  ClusterUpdateResponse,
  DeletedResponse,
  RevisionListQuery,
  RevisionListResponse,
  SiteQuery,
} from "../../../schema/api";
import { LbConfigQuery, LbConfigResponse } from "../../../schema/lb-api";
import { json, type BodyDoc, type RouteGroup } from "./route-doc";

/** worker/http/cluster-body.ts reads these as the k0sctl.yaml itself, with the site in `?site=`. */
const CLUSTER_BODY: BodyDoc = {
  json: ClusterJsonBody,
  text: ["application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml"],
  description: "The k0sctl.yaml as YAML (site in ?site=), or JSON {site, spec} or {site, yaml}: exactly one of spec and yaml. At most 1 MiB.",
};

/** worker/routes/clusters.ts and lb-config.ts. */
export const clusterRouteDocs: RouteGroup = {
  tag: "clusters",
  description: "Cluster specs (k0sctl.yaml) and their revisions.",
  routes: [
    {
      method: "POST",
      path: "/v1/clusters",
      access: "operator",
      summary: "Create a cluster from a k0sctl.yaml",
      query: SiteQuery,
      body: CLUSTER_BODY,
      responses: { 201: json(ClusterResponse, "created, as revision 1") },
      errors: ["invalid_spec", "conflict"],
    },
    { method: "GET", path: "/v1/clusters", access: "viewer", summary: "List clusters, a page at a time", query: ClusterListQuery, responses: { 200: json(ClusterListResponse, "one page") } },
    {
      method: "GET",
      path: "/v1/clusters/:name",
      access: "viewer",
      summary: "Get a cluster: its current spec and last facts",
      description: "Viewers see spec values that may be secrets as [redacted].",
      params: ClusterParams.shape,
      responses: { 200: json(ClusterResponse, "the cluster") },
      errors: ["not_found"],
    },
    {
      method: "PUT",
      path: "/v1/clusters/:name",
      access: "operator",
      summary: "Store a new revision of a cluster's spec",
      description: "Without a site the cluster keeps its own. An identical spec stores nothing (unchanged: true).",
      params: ClusterParams.shape,
      query: SiteQuery,
      body: CLUSTER_BODY,
      responses: { 200: json(ClusterUpdateResponse, "stored (or unchanged)") },
      errors: ["not_found", "invalid_spec", "conflict"],
    },
    {
      method: "GET",
      path: "/v1/clusters/:name/revisions",
      access: "viewer",
      summary: "List a cluster's revisions, newest first",
      params: ClusterParams.shape,
      query: RevisionListQuery,
      responses: { 200: json(RevisionListResponse, "one page") },
      errors: ["not_found"],
    },
    {
      method: "DELETE",
      path: "/v1/clusters/:name",
      access: "admin",
      summary: "Delete a cluster (not its hosts)",
      params: ClusterParams.shape,
      responses: { 200: json(DeletedResponse, "deleted") },
      errors: ["not_found", "conflict"],
    },
    {
      method: "GET",
      path: "/v1/clusters/:name/lb-config",
      access: "viewer",
      summary: "A load balancer config (HAProxy or nginx) for the cluster's controllers",
      params: ClusterParams.shape,
      query: LbConfigQuery,
      responses: { 200: json(LbConfigResponse, "the config and what it balances") },
      errors: ["not_found", "invalid_spec"],
    },
  ],
};
