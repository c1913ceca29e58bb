import { describe, expect, it } from "vitest";
import { decodeFrame } from "../../relay/frames";
import { PROTOCOL_ERROR_CODES } from "../../schema/errors";
import { STEP_KINDS } from "../../schema/step-kinds";
import { Step } from "../../schema/steps";

const frame = (value: unknown) => decodeFrame(Buffer.from(JSON.stringify(value)), false);
const host = { address: "10.0.0.1", port: 22, user: "root" };

describe("decodeFrame: one parse, one typed union", () => {
  it("gives a step.run with its step typed and defaults applied", () => {
    const decoded = frame({ type: "step.run", cluster: "c", runId: "r", step: { id: "s", kind: "host.os", host } });
    if (decoded.type !== "step.run") throw new Error(`got ${decoded.type}`);
    expect(decoded.step.kind).toBe("host.os");
    expect(decoded.step.timeoutMs).toBe(120_000);
  });

  it("tells a bad step inside a sound envelope from a frame that is not the protocol", () => {
    expect(frame({ type: "step.run", cluster: "c", runId: "r", step: { id: "s", kind: "rm.rf", host } })).toMatchObject({ type: "step.run.bad", stepId: "s", problem: expect.stringContaining("step.kind") });
    expect(frame({ type: "step.run", cluster: "c", runId: "r", step: { id: "s", kind: "host.os", host: { ...host, port: 0 } } })).toMatchObject({
      type: "step.run.bad",
      problem: expect.stringContaining("step.host.port"),
    });
    // A cluster name the protocol allows (up to 253 characters) keeps its envelope.
    expect(frame({ type: "step.run", cluster: "c".repeat(253), runId: "r", step: { id: "s", kind: "nope" } })).toMatchObject({ type: "step.run.bad" });
    expect(frame({ type: "step.run", cluster: "c", runId: "r", step: { kind: "host.os", host } })).toMatchObject({ type: "invalid" });
    expect(frame({ type: "nope" })).toMatchObject({ type: "invalid" });
    expect(decodeFrame(Buffer.from("{"), false)).toEqual({ type: "invalid", reason: "not JSON" });
    expect(decodeFrame(Buffer.from("{}"), true)).toEqual({ type: "invalid", reason: "binary frame" });
  });

  it("types an error frame's code from the one error vocabulary", () => {
    for (const code of PROTOCOL_ERROR_CODES) expect(frame({ type: "error", code, message: "m" })).toEqual({ type: "error", code, message: "m" });
    // Anything outside the vocabulary is not the protocol.
    expect(frame({ type: "error", code: "bad_frame", message: "m" })).toMatchObject({ type: "invalid" });
    expect(frame({ type: "error", code: "whatever", message: "m" })).toMatchObject({ type: "invalid" });
  });
});

describe("step-kind traits", () => {
  it("cover exactly the kinds the relay accepts", () => {
    expect(Object.keys(STEP_KINDS).sort()).toEqual(Step.options.map((o) => o.shape.kind.value).sort());
  });

  it("never let a step that must not repeat be interrupted half-way", () => {
    for (const [kind, traits] of Object.entries(STEP_KINDS)) if (!traits.repeatable) expect(traits.abortable, kind).toBe(false);
    expect(STEP_KINDS["k0s.install"].repeatable).toBe(false);
    expect(STEP_KINDS["k0s.token.create"]).toEqual({ secretStdout: true, abortable: false, repeatable: false });
    expect(STEP_KINDS["k0s.kubeconfig.admin"].secretStdout).toBe(true);
  });
});
