// The editor's API calls. ../api.js gives JSON in and out and the ApiError shape; the editor also needs
// request headers (If-Match, Idempotency-Key) and the ETag of every annotation answer, so it uses this.

import { ApiError, csrfToken, withQuery } from "../api.js";

/** Fetch JSON with extra headers. Resolves {status, body, etag}; throws ApiError for 4xx/5xx and ApiError(0) offline. */
export async function call(method, url, { data, headers = {}, params, keepalive = false } = {}) {
  const init = {
    method,
    credentials: "same-origin",
    keepalive,
    headers: { Accept: "application/json", ...headers },
  };
  if (data !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(data);
  }
  if (method !== "GET") init.headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(params ? withQuery(url, params) : url, init);
  } catch {
    throw new ApiError(0, null);
  }
  const text = response.status === 204 ? "" : await response.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const etag = parseEtag(response.headers.get("ETag"));
  if (!response.ok) {
    const error = new ApiError(response.status, body);
    error.etag = etag;
    throw error;
  }
  return { status: response.status, body, etag, headers: response.headers };
}

function parseEtag(header) {
  const match = /(\d+)/.exec(header || "");
  return match ? Number(match[1]) : null;
}

/** URLs of one project's API. */
export function projectApi(projectId) {
  const root = `/api/v1/projects/${projectId}/`;
  return {
    project: root,
    item: (itemId) => `${root}items/${itemId}/`,
    itemAnnotations: (itemId) => `${root}items/${itemId}/annotations/`,
    annotations: `${root}annotations/`,
    annotation: (id) => `${root}annotations/${id}/`,
    submit: (id) => `${root}annotations/${id}/submit/`,
    review: (id) => `${root}annotations/${id}/review/`,
    queueNext: `${root}queue/next/`,
    queueSkip: `${root}queue/skip/`,
    sessions: `${root}sessions/`,
    sessionReport: (id) => `${root}sessions/${id}/report/`,
  };
}

export function ifMatch(version) {
  return { "If-Match": `"${version}"` };
}

export function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}
