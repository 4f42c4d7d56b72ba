// The API from the browser: the signed-in session (cookie + CSRF token) and JSON calls whose
// errors are problem+json. Shared by every page's module.

export async function session() {
  const response = await fetch("/api/v1/auth/session", { credentials: "same-origin" });
  if (!response.ok) throw new Error("로그인이 필요합니다 (please sign in)");
  return response.json();
}

export async function api(method, path, body) {
  const { csrf_token: csrf } = await session();
  const response = await fetch(path, {
    method, credentials: "same-origin",
    headers: { "X-CSRF-Token": csrf, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail || problem.title || `${response.status}`);
  }
  return response.status === 204 ? null : response.json();
}
