import { describe, expect, it } from "vitest";
import { AuditVerifyResult } from "../../schema/api";
import { seedYaml } from "./fixtures";
import { call, jsonBody, uniqueName, yamlBody } from "./helpers";

const WRITERS = 32;

describe("audit appends under concurrency (F3)", () => {
  it(`lets ${WRITERS} concurrent audited mutations all succeed, and the chain still verifies`, async () => {
    const name = uniqueName("contended");
    expect((await call("POST", "/v1/clusters", yamlBody(seedYaml(name)))).status).toBe(201);
    // Each of these appends one audit entry, all racing for the same chain head:
    // unchanged PUTs (an audited no-op), token mints and cluster creates.
    const requests = Array.from({ length: WRITERS }, (_, i) => {
      if (i % 3 === 0) return call("PUT", `/v1/clusters/${name}`, yamlBody(seedYaml(name)));
      if (i % 3 === 1) return call("POST", "/v1/tokens", jsonBody({ name: `contended-${i}`, role: "viewer" }));
      return call("POST", "/v1/clusters", yamlBody(seedYaml(`${name}-${i}`)));
    });
    const results = await Promise.all(requests);
    const failures = results.filter((r) => r.status >= 300).map((r) => `${r.status} ${r.text.slice(0, 200)}`);
    expect(failures).toEqual([]);

    const verify = await call("GET", "/v1/audit/verify");
    expect(verify.status).toBe(200);
    expect(AuditVerifyResult.parse(verify.json)).toMatchObject({ ok: true });
  });
});
