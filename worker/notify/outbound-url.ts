/**
 * Where keel may send a notification: https anywhere, or — only when
 * KEEL_ALLOW_HTTP_TARGETS is "true" (tests, local stacks) — http to a
 * loopback address. Anything else is refused before a byte leaves.
 */
export function outboundUrlProblem(raw: string, allowHttpLoopback: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "is not a URL";
  }
  if (url.username || url.password) return "must not carry credentials in the URL";
  if (url.protocol === "https:") return null;
  if (url.protocol !== "http:") return "must be an https:// URL";
  if (!allowHttpLoopback) return "must be an https:// URL (http is allowed only to loopback, with KEEL_ALLOW_HTTP_TARGETS=true)";
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
  return loopback ? null : "may be http:// only on a loopback address";
}
