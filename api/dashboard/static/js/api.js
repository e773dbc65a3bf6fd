// The JSON API with the signed-in token. Errors arrive as problem+json (RFC 9457) and are thrown
// as ApiProblem, which keeps what the page shows: detail, allowed_actions (409), errors (422).
import { newIdempotencyKey } from "./dom.js";
import { token } from "./session.js";

export const API = "/api/v1";

export class ApiProblem extends Error {
  constructor(status, body) {
    super(body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.detail = body?.detail ?? "";
    this.allowedActions = body?.allowed_actions ?? null;
    this.errors = body?.errors ?? [];
  }
}

/** Called when the token stops working (401): main.js signs the user out. */
let onUnauthorized = () => {};
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

export function authHeaders(extra = {}) {
  return { Authorization: `Bearer ${token()}`, ...extra };
}

async function request(method, path, { params, body, headers, bearer } = {}) {
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const auth = bearer ? { Authorization: `Bearer ${bearer}` } : authHeaders();
  const response = await fetch(url, {
    method,
    headers: { Accept: "application/json", ...auth, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401 && !bearer) onUnauthorized();
    throw new ApiProblem(response.status, data);
  }
  return data;
}

export function get(path, params) {
  return request("GET", path, { params });
}

export function post(path, body, { idempotencyKey = newIdempotencyKey() } = {}) {
  return request("POST", path, {
    body,
    headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
  });
}

/** Checks a token before keeping it: the unit tree answers any valid token. */
export function unitsFor(candidateToken) {
  return request("GET", "/units", { bearer: candidateToken });
}

let vocabulary = null;

/** Labels and action forms, from the server (the same models the API validates with). */
export async function loadVocabulary() {
  if (!vocabulary) {
    const response = await fetch("/dashboard/vocabulary.json");
    vocabulary = await response.json();
  }
  return vocabulary;
}

export function vocab() {
  return vocabulary;
}
