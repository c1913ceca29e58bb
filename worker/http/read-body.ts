import type { z } from "zod";
import { KeelError } from "../../schema/errors";
import { validate } from "./validate";

/** Small JSON bodies (tokens, relays): anything bigger is not a mistake we need to parse. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/**
 * Reads the body as UTF-8 text, refusing more than `maxBytes` before reading
 * (Content-Length) and while reading (a missing or lying Content-Length).
 */
export async function readBodyText(req: Request, maxBytes: number): Promise<string> {
  const tooLarge = () => new KeelError("payload_too_large", `the body is larger than ${maxBytes} bytes`);
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge();
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new KeelError("bad_request", "the body is not valid UTF-8");
  }
}

/** The media type without parameters, lower-cased ("application/json"), or "" if absent. */
export function mediaType(req: Request): string {
  return (req.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KeelError("bad_request", "the body is not valid JSON");
  }
}

/** A JSON body parsed with `schema`; 415 unless it is sent as application/json. */
export async function readJsonBody<S extends z.ZodType>(req: Request, schema: S, maxBytes = MAX_JSON_BODY_BYTES): Promise<z.output<S>> {
  if (mediaType(req) !== "application/json") throw new KeelError("unsupported_media_type", "send the body as application/json");
  return validate(schema, parseJsonText(await readBodyText(req, maxBytes)), "body");
}
