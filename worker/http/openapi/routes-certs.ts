import { ClusterName } from "../../../schema/api";
import { CertificatesQuery, CertificatesResponse, RenewQuery } from "../../../schema/certs-api";
import { StartRunResponse } from "../../../schema/run-api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/certs.ts. */
export const certRouteDocs: RouteGroup = {
  tag: "certificates",
  description: "Certificate inventories and renewals.",
  routes: [
    {
      method: "POST",
      path: "/v1/clusters/:name/certificates/inventory",
      access: "operator",
      summary: "Start a run that lists every host's certificates",
      params: { name: ClusterName },
      responses: { 202: json(StartRunResponse, "the run, queued") },
      errors: ["not_found", "conflict", "invalid_spec"],
    },
    {
      method: "POST",
      path: "/v1/clusters/:name/certificates/renew",
      access: "operator",
      summary: "Start a renewal run (controllers restart one at a time; workers=true restarts workers too)",
      params: { name: ClusterName },
      query: RenewQuery,
      responses: { 202: json(StartRunResponse, "the run, queued") },
      errors: ["not_found", "conflict", "invalid_spec"],
    },
    {
      method: "GET",
      path: "/v1/clusters/:name/certificates",
      access: "viewer",
      summary: "The certificates the last inventory found, soonest to expire first",
      params: { name: ClusterName },
      query: CertificatesQuery,
      responses: { 200: json(CertificatesResponse, "the certificates") },
      errors: ["not_found"],
    },
  ],
};
