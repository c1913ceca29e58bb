import { MAX_SPEC_BYTES } from "../../schema/cluster-load";
import { ClusterJsonBody, SiteQuery } from "../../schema/api";
import type { SpecSource } from "../services/clusters/load-spec";
import { KeelError } from "../../schema/errors";
import { mediaType, parseJsonText, readBodyText } from "./read-body";
import { validate } from "./validate";

const YAML_TYPES = new Set(["application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml"]);

export interface ClusterBody {
  /** undefined when the caller did not say (create defaults it, update keeps the current site). */
  site?: string;
  spec: SpecSource;
}

/**
 * The two ways to send a cluster: the k0sctl.yaml itself (site in `?site=`),
 * or JSON `{site, spec}` / `{site, yaml}`. The size limit applies before any parsing.
 */
export async function readClusterBody(req: Request, query: Record<string, string>): Promise<ClusterBody> {
  const type = mediaType(req);
  if (YAML_TYPES.has(type)) {
    const { site } = validate(SiteQuery, query, "query");
    return { site, spec: { format: "yaml", text: await readBodyText(req, MAX_SPEC_BYTES) } };
  }
  if (type === "application/json") {
    const body = validate(ClusterJsonBody, parseJsonText(await readBodyText(req, MAX_SPEC_BYTES)), "body");
    const spec: SpecSource = body.yaml !== undefined ? { format: "yaml", text: body.yaml } : { format: "json", value: body.spec };
    return { site: body.site, spec };
  }
  throw new KeelError("unsupported_media_type", "send the cluster as application/yaml (k0sctl.yaml) or application/json ({site, spec})");
}
