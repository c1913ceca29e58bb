/** Hex SHA-256 through WebCrypto, which workerd and Node 20 both provide: the Worker, the relay and the CLI hash alike. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
