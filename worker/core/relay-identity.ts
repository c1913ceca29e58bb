/**
 * Who a connected relay is. The connect route authenticates the relay's token
 * and passes the identity to its RelayObject in these headers; the object is
 * not reachable from outside, so only that route can set them.
 */
export const RELAY_NAME_HEADER = "x-keel-relay-name";
export const RELAY_SITE_HEADER = "x-keel-relay-site";

export interface RelayIdentity {
  name: string;
  site: string;
}
