/**
 * The caller's address as Cloudflare's edge saw it. CF-Connecting-IP is set
 * by the edge itself (a client-sent one is overwritten), so it can key a rate
 * limit; without it (local dev, tests) every caller is "unknown".
 */
export function clientAddress(req: Request): string {
  const address = req.headers.get("cf-connecting-ip")?.trim();
  return address ? address.slice(0, 64) : "unknown";
}
