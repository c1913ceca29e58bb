/**
 * `${relay:NAME}`: a secret the relay holds (relay.yaml `secrets:`), written
 * where a spec would otherwise carry the value. envsubst leaves it as
 * written, the API stores and plans only the reference, and the relay puts
 * the value in when it runs the step (docs/adr/0013-relay-held-secrets.md).
 */

export const RELAY_SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/** One reference; the name is group 1. Global: use with matchAll / replace. */
export const RELAY_SECRET_REF = /\$\{relay:([A-Za-z0-9_][A-Za-z0-9_.-]{0,99})\}/g;

/** The reference's length when one starts at `pos` in `text`, else 0. */
export function relaySecretRefAt(text: string, pos: number): number {
  const sticky = new RegExp(RELAY_SECRET_REF.source, "y");
  sticky.lastIndex = pos;
  return sticky.exec(text)?.[0].length ?? 0;
}
