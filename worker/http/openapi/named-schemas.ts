import { z } from "zod";
import * as api from "../../../schema/api";
import * as backupApi from "../../../schema/backup-api";
import * as certsApi from "../../../schema/certs-api";
import * as errors from "../../../schema/errors";
import * as lbApi from "../../../schema/lb-api";
import * as runApi from "../../../schema/run-api";
import * as userKubeconfig from "../../../schema/user-kubeconfig";

/**
 * The schema modules whose exports become `#/components/schemas/<ExportName>`.
 * A schema exported from a module not listed here is inlined where it is used:
 * still correct, just without a name. Add a module's namespace to name them.
 */
const MODULES: Record<string, unknown>[] = [api, runApi, backupApi, certsApi, lbApi, userKubeconfig, errors];

/** Each exported zod schema, by identity, with its export name. */
export const SCHEMA_NAMES: ReadonlyMap<z.ZodType, string> = collectNames(MODULES);

function collectNames(modules: Record<string, unknown>[]): Map<z.ZodType, string> {
  const names = new Map<z.ZodType, string>();
  const taken = new Set<string>();
  for (const module of modules) {
    for (const [name, value] of Object.entries(module)) {
      if (!(value instanceof z.ZodType) || names.has(value)) continue;
      // Two modules exporting one name would make two components collide: fail the build of the document, loudly.
      if (taken.has(name)) throw new Error(`openapi: two schema modules export a schema named ${name}`);
      taken.add(name);
      names.set(value, name);
    }
  }
  return names;
}
