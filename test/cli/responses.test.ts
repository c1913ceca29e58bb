import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { ClusterResponse, ClusterUpdateResponse } from "../../schema/api";
import type { DryRunResponse, RunEventView, RunEventsPage, RunResponse, RunStreamEnd, StartRunResponse } from "../../schema/run-api";
import type * as cli from "../../cli/responses";

// The CLI reads answers more loosely than the server writes them (cli/responses.ts):
// every body the server's exact schema allows must be one the CLI accepts. Checked by tsc.
describe("the CLI's response readers", () => {
  it("accept every body the API's schemas allow", () => {
    expectTypeOf<ClusterResponse>().toExtend<z.input<typeof cli.ClusterWriteResponse>>();
    expectTypeOf<ClusterUpdateResponse>().toExtend<z.input<typeof cli.ClusterWriteResponse>>();
    expectTypeOf<StartRunResponse>().toExtend<z.input<typeof cli.StartedRun>>();
    expectTypeOf<DryRunResponse>().toExtend<z.input<typeof cli.DryRunResponse>>();
    expectTypeOf<RunEventView>().toExtend<z.input<typeof cli.StreamedRunEvent>>();
    expectTypeOf<RunStreamEnd>().toExtend<z.input<typeof cli.StreamEnd>>();
    expectTypeOf<RunEventsPage>().toExtend<z.input<typeof cli.RunEventsResponse>>();
    expectTypeOf<RunResponse>().toExtend<z.input<typeof cli.RunStateResponse>>();
  });
});
