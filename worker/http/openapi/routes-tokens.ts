import { CreateTokenBody, CreatedToken, TokenListQuery, TokenListResponse, TokenParams, TokenResponse } from "../../../schema/api";
import { json, type RouteGroup } from "./route-doc";

/** worker/routes/tokens.ts. */
export const tokenRouteDocs: RouteGroup = {
  tag: "tokens",
  description: "API tokens and their roles.",
  routes: [
    { method: "POST", path: "/v1/tokens", access: "admin", summary: "Mint an API token", body: { json: CreateTokenBody }, responses: { 201: json(CreatedToken, "the token; its secret is shown only here") } },
    { method: "GET", path: "/v1/tokens", access: "admin", summary: "List API tokens (never their secrets)", query: TokenListQuery, responses: { 200: json(TokenListResponse, "one page") } },
    {
      method: "DELETE",
      path: "/v1/tokens/:id",
      access: "admin",
      summary: "Revoke an API token",
      params: TokenParams.shape,
      responses: { 200: json(TokenResponse, "the revoked token") },
      errors: ["not_found"],
    },
  ],
};
