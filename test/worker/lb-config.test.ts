import { describe, expect, it } from "vitest";
import { LbConfigResponse } from "../../schema/lb-api";
import { seedYaml } from "./fixtures";
import { call, errorOf, uniqueName, yamlBody } from "./helpers";

describe("GET /v1/clusters/:name/lb-config", () => {
  it("renders haproxy by default and nginx on request for the cluster's current revision", async () => {
    const name = uniqueName("lb");
    expect((await call("POST", "/v1/clusters", yamlBody(seedYaml(name)))).status).toBe(201);
    const haproxy = await call("GET", `/v1/clusters/${name}/lb-config`);
    expect(haproxy.status, haproxy.text).toBe(200);
    const body = LbConfigResponse.parse(haproxy.json);
    expect(body.format).toBe("haproxy");
    expect(body.ports.map((p) => p.port)).toEqual([6443, 8132, 9443]);
    expect(body.config).toContain("frontend kubeAPI");
    const nginx = LbConfigResponse.parse((await call("GET", `/v1/clusters/${name}/lb-config?format=nginx`)).json);
    expect(nginx.config).toContain("stream {");
  });

  it("names the bad field, and 404s an unknown cluster", async () => {
    const bad = await call("GET", "/v1/clusters/anything/lb-config?format=envoy");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(errorOf(bad))).toContain("format");
    expect((await call("GET", `/v1/clusters/${uniqueName("absent")}/lb-config`)).status).toBe(404);
  });
});
