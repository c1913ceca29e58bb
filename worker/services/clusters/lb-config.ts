import { KeelError } from "../../../schema/errors";
import type { LbConfigQuery, LbConfigResponse } from "../../../schema/lb-api";
import { loadRunInputs } from "../../core/load-run-inputs";
import { openDb } from "../../core/db";
import { renderLbConfig } from "../../planner/lb-config";

/** A load balancer config for the cluster's current revision; reads only, touches no host. */
export async function lbConfig(d1: D1Database, name: string, query: LbConfigQuery): Promise<LbConfigResponse> {
  const loaded = await loadRunInputs(openDb(d1), name);
  if (!loaded.ok) throw KeelError.from(loaded.error);
  const rendered = renderLbConfig(loaded.inputs.spec, query.format);
  if (!rendered.ok) throw new KeelError("invalid_spec", `${rendered.path}: ${rendered.message}`, [{ path: rendered.path, message: rendered.message }]);
  const { format, text, controllers, ports, warnings } = rendered.config;
  return { format, config: text, controllers, ports, warnings };
}
