import { describe, expect, it } from "vitest";
import { ERROR_CODES, KeelError, STEP_ERROR_CODES } from "../../schema/errors";
import { ERROR_STATUS } from "../../worker/http/errors";

describe("the error vocabulary", () => {
  it("gives every code one HTTP status, and nothing else a status", () => {
    expect(Object.keys(ERROR_STATUS).sort()).toEqual([...ERROR_CODES].sort());
    for (const code of ERROR_CODES) expect(ERROR_STATUS[code], code).toBeGreaterThanOrEqual(400);
  });

  it("answers a step failure as a gateway error: the API worked, something past it did not", () => {
    for (const code of STEP_ERROR_CODES) expect(ERROR_STATUS[code], code).toBeGreaterThanOrEqual(500);
  });

  it("carries code, message and details in the one body", () => {
    const err = new KeelError("invalid_spec", "the cluster spec is invalid (1 error)", [{ path: "spec.hosts[0].role", message: "required" }]);
    expect(err.body).toEqual({ code: "invalid_spec", message: "the cluster spec is invalid (1 error)", details: [{ path: "spec.hosts[0].role", message: "required" }] });
    expect(new KeelError("conflict", "busy").body).toEqual({ code: "conflict", message: "busy" });
  });
});
