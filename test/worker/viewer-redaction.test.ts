import { beforeAll, describe, expect, it } from "vitest";
import { ClusterResponse, REDACTED, RevisionListResponse } from "../../schema/api";
import { call, jsonBody, mintToken } from "./helpers";

const NAME = "secretive";
const PASSWORD = "S3cretPassw0rd";
const PROXY = "http://u:pr0xyPass@proxy.internal:3128";
const FILE_DATA = "-----BEGIN PRIVATE KEY-----\\nMIIsecret\\n-----END PRIVATE KEY-----";

function spec(): Record<string, unknown> {
  return {
    apiVersion: "k0sctl.k0sproject.io/v1beta1",
    kind: "Cluster",
    metadata: { name: NAME },
    spec: {
      hosts: [
        {
          role: "controller",
          ssh: { address: "10.0.0.11", user: "root", keyPath: "/root/.ssh/id_rsa" },
          environment: { HTTP_PROXY: PROXY },
          files: [{ name: "registry-key", data: FILE_DATA, dst: "/etc/registry/key.pem" }],
        },
      ],
      k0s: {
        version: "1.21.2+k0s.1",
        config: { apiVersion: "k0s.k0sproject.io/v1beta1", kind: "Cluster", spec: { storage: { type: "kine", kine: { dataSource: `mysql://keel:${PASSWORD}@tcp(db:3306)/k0s` } } } },
      },
    },
  };
}

const tokens: Record<string, string> = {};
beforeAll(async () => {
  for (const role of ["viewer", "operator", "admin"] as const) tokens[role] = (await mintToken(role)).token;
  const res = await call("POST", "/v1/clusters", jsonBody({ spec: spec() }));
  expect(res.status, res.text).toBe(201);
});

const SECRETS = [PASSWORD, "pr0xyPass", "MIIsecret"];

describe("secrets in specs (F8)", () => {
  it("are redacted for viewers: the value's presence shows, not the value", async () => {
    const res = await call("GET", `/v1/clusters/${NAME}`, { token: tokens.viewer });
    expect(res.status).toBe(200);
    for (const secret of SECRETS) expect(res.text).not.toContain(secret);
    const { cluster } = ClusterResponse.parse(res.json);
    expect(cluster.spec).toMatchObject({
      spec: {
        hosts: [{ environment: { HTTP_PROXY: REDACTED }, files: [{ name: "registry-key", data: REDACTED, dst: "/etc/registry/key.pem" }] }],
        k0s: { config: { spec: { storage: { type: "kine", kine: { dataSource: REDACTED } } } } },
      },
    });
  });

  it("are not in a viewer's revision list, full or not (the raw source is left out)", async () => {
    for (const query of ["", "?full=true"]) {
      const res = await call("GET", `/v1/clusters/${NAME}/revisions${query}`, { token: tokens.viewer });
      expect(res.status).toBe(200);
      for (const secret of SECRETS) expect(res.text, query).not.toContain(secret);
      expect(RevisionListResponse.parse(res.json).revisions[0]).not.toHaveProperty("source");
    }
  });

  it("are shown to operators and admins", async () => {
    for (const role of ["operator", "admin"]) {
      const res = await call("GET", `/v1/clusters/${NAME}`, { token: tokens[role] });
      for (const secret of SECRETS) expect(res.text, role).toContain(secret);
      const revisions = await call("GET", `/v1/clusters/${NAME}/revisions?full=true`, { token: tokens[role] });
      expect(RevisionListResponse.parse(revisions.json).revisions[0]?.source, role).toContain(PASSWORD);
    }
  });
});
