// The API from the browser: the signed-in session (cookie + CSRF token) and JSON calls whose
// errors are problem+json. Shared by every page's module.

/** A refused call, carrying the problem's stable type (e.g. "join-link-expired"). */
export class ApiError extends Error {
  constructor(status, problem, headers = null) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.retryAfter = Number(headers?.get("Retry-After")) || null;
    this.type = (problem.type || "").replace("/problems/", "") || `http-${status}`;
    this.problem = problem;
  }
}

let csrfToken = null;

export async function session() {
  const response = await fetch("/api/v1/auth/session", { credentials: "same-origin" });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => ({})));
  const answer = await response.json();
  csrfToken = answer.csrf_token;
  return answer;
}

export async function api(method, path, body) {
  if (method !== "GET" && csrfToken === null) await session().catch(() => null); // anonymous calls need none
  const response = await fetch(path, {
    method, credentials: "same-origin",
    headers: { "X-CSRF-Token": csrfToken || "", "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    throw new ApiError(response.status, await response.json().catch(() => ({})), response.headers);
  }
  return response.status === 204 ? null : response.json();
}

/** Forget the cached CSRF token (after signing in or out). */
export function resetSession() { csrfToken = null; }
