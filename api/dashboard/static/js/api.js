// The JSON API with the signed-in token. Errors arrive as problem+json (RFC 9457) and are thrown
// as ApiProblem, which keeps what the page shows: detail, allowed_actions (409), errors (422).
import { newIdempotencyKey } from "./dom.js";
import { lang } from "./i18n.js";
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
  // Problems come back in the page's language (the API answers Chinese by default).
  return { Authorization: `Bearer ${token()}`, "Accept-Language": lang(), ...extra };
}

/** The API's URL for a path and query; empty values are left out. */
export function apiUrl(path, params) {
  const url = new URL(API + path, location.origin);
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  return url;
}

async function request(method, path, { params, body, headers, bearer } = {}) {
  const url = apiUrl(path, params);
  const auth = bearer ? { Authorization: `Bearer ${bearer}`, "Accept-Language": lang() } : authHeaders();
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

/**
 * A file from the API (an export), saved under the name the server gives. A plain link cannot
 * carry the token, so the file is fetched and handed to the browser as a download.
 */
export async function download(path, params, fallbackName) {
  const response = await fetch(apiUrl(path, params), { headers: authHeaders() });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    if (response.status === 401) onUnauthorized();
    throw new ApiProblem(response.status, data);
  }
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const named = disposition.match(/filename\*=UTF-8''([^;]+)/i) ?? disposition.match(/filename="?([^";]+)"?/i);
  const anchor = document.createElement("a");
  anchor.href = URL.createObjectURL(blob);
  anchor.download = named ? decodeURIComponent(named[1]) : fallbackName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(anchor.href), 10000);
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
