import { z } from "zod";

/** `GET /v1/clusters/:name/lb-config?format=haproxy|nginx`. */
export const LbConfigQuery = z.object({ format: z.enum(["haproxy", "nginx"]).default("haproxy") });
export type LbConfigQuery = z.infer<typeof LbConfigQuery>;

export const LbConfigResponse = z.object({
  format: z.enum(["haproxy", "nginx"]),
  /** The config file itself. */
  config: z.string(),
  controllers: z.array(z.object({ name: z.string(), address: z.string() })),
  ports: z.array(z.object({ name: z.string(), port: z.number().int() })),
  warnings: z.array(z.string()),
});
export type LbConfigResponse = z.infer<typeof LbConfigResponse>;
