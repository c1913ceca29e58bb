import { REDACTED } from "../../../schema/api";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A stored spec as a viewer may see it: the fields that commonly carry
 * credentials (host `environment` values such as proxy URLs with passwords,
 * inline `files[].data`, kine's `dataSource`) show that a value is there,
 * not what it is. Specs are not a secret store (README); this keeps the
 * lowest role from reading what people put there anyway.
 */
export function redactSpec(spec: Json): Json {
  const copy = structuredClone(spec);
  const body = copy.spec;
  if (!isObject(body)) return copy;
  for (const host of Array.isArray(body.hosts) ? body.hosts : []) {
    if (!isObject(host)) continue;
    if (isObject(host.environment)) {
      for (const key of Object.keys(host.environment)) host.environment[key] = REDACTED;
    }
    for (const file of Array.isArray(host.files) ? host.files : []) {
      if (isObject(file) && file.data !== undefined) file.data = REDACTED;
    }
  }
  const k0s = isObject(body.k0s) ? body.k0s : null;
  const config = k0s && isObject(k0s.config) ? k0s.config : null;
  const storage = config && isObject(config.spec) && isObject(config.spec.storage) ? config.spec.storage : null;
  if (storage && isObject(storage.kine) && storage.kine.dataSource !== undefined) storage.kine.dataSource = REDACTED;
  return copy;
}
