// The one way pages talk to the API: JSON in and out, the CSRF token on writes, and errors as
// ApiError carrying the API's {"detail", "errors"} shape.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && typeof body.detail === "string" ? body.detail : defaultMessage(status);
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
    this.errors = body && body.errors && typeof body.errors === "object" ? body.errors : {};
    this.body = body || {};
  }
}

function defaultMessage(status) {
  if (status === 0) return "The server could not be reached. Check your connection and try again.";
  if (status === 403) return "You are not allowed to do this (or your session expired; log in again).";
  if (status === 404) return "Not found.";
  if (status === 413) return "The request is too large.";
  if (status >= 500) return `The server failed (${status}). Try again; if it keeps failing, tell an administrator.`;
  return `The request failed (${status}).`;
}

export function csrfToken() {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === "csrftoken") return decodeURIComponent(rest.join("="));
  }
  // The cookie can be unreadable (CSRF_COOKIE_HTTPONLY); every page renders a token in the log-out form.
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: defaultMessage(response.status) };
  }
}

/** Add query parameters, leaving out empty ones. */
export function withQuery(url, params = {}) {
  const target = new URL(url, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value === "" || value === null || value === undefined) continue;
    target.searchParams.set(key, String(value));
  }
  return target.pathname + target.search;
}

export async function request(method, url, data) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (data !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(data);
  }
  if (!SAFE_METHODS.has(method)) headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, null);
  }
  const body = response.status === 204 ? null : await readBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export const api = {
  get: (url, params) => request("GET", withQuery(url, params)),
  /** Every result of a list endpoint, following `next` across pages (an unpaginated list as it is). */
  all: async (url) => {
    const results = [];
    while (url) {
      const answer = await request("GET", url);
      if (Array.isArray(answer)) return answer;
      results.push(...answer.results);
      url = answer.next;
    }
    return results;
  },
  post: (url, data) => request("POST", url, data ?? {}),
  patch: (url, data) => request("PATCH", url, data),
  delete: (url) => request("DELETE", url),
};

/**
 * POST a multipart form with upload progress (fetch cannot report it). Resolves with
 * {status, body} for every HTTP answer, so the caller can show a per-file report even on 4xx;
 * rejects with ApiError(0) when the connection fails.
 */
export function postWithProgress(url, formData, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = { detail: defaultMessage(xhr.status) };
      }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, null)));
    xhr.addEventListener("abort", () => reject(new ApiError(0, { detail: "The upload was cancelled." })));
    xhr.send(formData);
  });
}
