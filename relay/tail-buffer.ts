/**
 * Keeps the last `limit` bytes of a stream. The end of a command's output is
 * where the error is, so that is the part worth carrying back.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes dropped from the front so far. */
  dropped = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    // Compact lazily (at twice the limit) so a chatty stream is not re-copied per chunk.
    if (this.size > this.limit * 2) this.compact();
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const keep = all.subarray(Math.max(0, all.length - this.limit));
    this.dropped += all.length - keep.length;
    this.chunks = [keep];
    this.size = keep.length;
  }

  /** The tail as UTF-8, never starting in the middle of a multi-byte character. */
  text(): string {
    this.compact();
    let tail = this.chunks[0] ?? Buffer.alloc(0);
    if (this.dropped > 0) {
      let skip = 0;
      // Skip UTF-8 continuation bytes (10xxxxxx) left over from a cut character.
      while (skip < 3 && skip < tail.length && ((tail[skip] ?? 0) & 0xc0) === 0x80) skip++;
      tail = tail.subarray(skip);
    }
    return tail.toString("utf8");
  }
}
