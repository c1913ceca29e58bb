import { z } from "zod";
import { GoDuration } from "./cluster-fields";

/** `spec.options` of k0sctl.yaml, with k0sctl's defaults. */

// k0sctl fills zero concurrency values with the defaults (creasty/defaults), so 0 means "default".
const Count = (fallback: number, max: number) =>
  z
    .number()
    .int()
    .min(0)
    .max(max)
    .default(fallback)
    .transform((n) => (n === 0 ? fallback : n));

export const ClusterOptions = z.strictObject({
  wait: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
  drain: z
    .strictObject({
      enabled: z.boolean().default(true),
      gracePeriod: GoDuration.default("120s"),
      timeout: GoDuration.default("300s"),
      force: z.boolean().default(true),
      ignoreDaemonSets: z.boolean().default(true),
      deleteEmptyDirData: z.boolean().default(true),
      podSelector: z.string().max(1000).regex(/^[^\0\r\n]*$/, "must be a single line").default(""),
      skipWaitForDeleteTimeout: GoDuration.default("0s"),
    })
    .prefault({}),
  evictTaint: z
    .strictObject({
      enabled: z.boolean().default(false),
      taint: z.string().max(317).default("k0sctl.k0sproject.io/evict=true"),
      effect: z.string().default("NoExecute"),
      controllerWorkers: z.boolean().default(false),
    })
    .superRefine((e, ctx) => {
      // Like k0sctl, only an enabled taint is checked.
      if (!e.enabled) return;
      if (!e.taint.includes("=")) ctx.addIssue({ code: "custom", path: ["taint"], message: "must be in the form key=value" });
      if (!["NoExecute", "NoSchedule", "PreferNoSchedule"].includes(e.effect)) {
        ctx.addIssue({ code: "custom", path: ["effect"], message: 'must be one of "NoExecute", "NoSchedule", "PreferNoSchedule"' });
      }
    })
    .prefault({}),
  concurrency: z
    .strictObject({
      limit: Count(30, 10_000),
      workerDisruptionPercent: Count(10, 100),
      uploads: Count(5, 1000),
    })
    .prefault({}),
});
export type ClusterOptions = z.infer<typeof ClusterOptions>;
