/**
 * A reader for text/event-stream (the WHATWG server-sent events format):
 * `event:`, `data:` (joined with newlines), `id:`; comments and `retry:` are
 * skipped. Yields one message per blank-line-terminated block.
 */

export interface SseMessage {
  /** "message" when the block names no event. */
  event: string;
  data: string;
  /** The block's `id:`, or null when it has none. */
  id: string | null;
}

/** A line longer than this is not an event keel sends: refuse it instead of buffering without end. */
const MAX_LINE = 1024 * 1024;

export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = "";
  let block: { event: string; data: string[]; id: string | null } = { event: "", data: [], id: null };
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (;;) {
        const end = lineEnd(buffer, done);
        if (end === null) break;
        const line = buffer.slice(0, end.at);
        buffer = buffer.slice(end.at + end.length);
        if (line === "") {
          if (block.data.length > 0) yield { event: block.event || "message", data: block.data.join("\n"), id: block.id };
          block = { event: "", data: [], id: null };
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const raw = colon === -1 ? "" : line.slice(colon + 1);
        const value = raw.startsWith(" ") ? raw.slice(1) : raw;
        if (field === "event") block.event = value;
        else if (field === "data") block.data.push(value);
        else if (field === "id" && !value.includes("\0")) block.id = value;
      }
      if (buffer.length > MAX_LINE) throw new Error(`event stream line longer than ${MAX_LINE} characters`);
      // A block without its closing blank line at the end of the stream is incomplete: dropped, as browsers do.
      if (done) return;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Where the first line ends (CRLF, LF or CR), or null if it may still grow. */
function lineEnd(buffer: string, done: boolean): { at: number; length: number } | null {
  for (let i = 0; i < buffer.length; i++) {
    const c = buffer[i];
    if (c === "\n") return { at: i, length: 1 };
    if (c === "\r") {
      if (i + 1 < buffer.length) return { at: i, length: buffer[i + 1] === "\n" ? 2 : 1 };
      // A trailing CR may be the first half of CRLF.
      return done ? { at: i, length: 1 } : null;
    }
  }
  return null;
}
