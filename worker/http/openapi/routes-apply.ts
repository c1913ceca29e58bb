import { ClusterName } from "../../../schema/api";
import { ApplyQuery, DryRunResponse, ResetDryRunResponse, ResetQuery, StartRunResponse } from "../../../schema/run-api";
import { CreateKubeconfigBody, CreatedKubeconfig } from "../../../schema/user-kubeconfig";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/apply.ts. */
export const applyRouteDocs: RouteGroup = {
  tag: "apply",
  description: "Apply or reset a cluster, and hand out kubeconfigs.",
  routes: [
    {
      method: "POST",
      path: "/v1/clusters/:name/apply",
      access: "operator",
      summary: "Apply the cluster's current revision (or plan it: dryRun=true)",
      params: { name: ClusterName },
      query: ApplyQuery,
      responses: { 200: json(DryRunResponse, "dryRun=true: the plan and what would change"), 202: json(StartRunResponse, "the run, queued") },
      errors: ["not_found", "conflict", "invalid_spec"],
    },
    {
      method: "POST",
      path: "/v1/clusters/:name/reset",
      access: "admin",
      summary: "Take k0s off every host (confirm=<the cluster's name>)",
      params: { name: ClusterName },
      query: ResetQuery,
      responses: { 200: json(ResetDryRunResponse, "dryRun=true: the plan"), 202: json(StartRunResponse, "the run, queued") },
      errors: ["not_found", "conflict", "invalid_spec"],
    },
    {
      method: "GET",
      path: "/v1/clusters/:name/kubeconfig",
      access: "admin",
      summary: "The cluster's admin kubeconfig, fetched from a controller through the relay",
      params: { name: ClusterName },
      responses: { 200: { description: "the kubeconfig (YAML); never cached", content: { "application/yaml": "text" } } },
      errors: ["not_found", "conflict", "invalid_spec", "relay_unavailable", "relay_timeout", "step_failed"],
    },
    {
      method: "POST",
      path: "/v1/clusters/:name/kubeconfigs",
      access: "admin",
      summary: "Mint a user's kubeconfig (k0s kubeconfig create --groups)",
      params: { name: ClusterName },
      body: { json: CreateKubeconfigBody },
      responses: { 201: json(CreatedKubeconfig, "the kubeconfig, shown once") },
      errors: ["not_found", "conflict", "invalid_spec", "relay_unavailable", "relay_timeout", "step_failed"],
    },
  ],
};
