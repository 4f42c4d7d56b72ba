// The log-in page (/login): a login id and a password, POST /api/v1/auth/login, then on to
// ?next= (a path on this site) or /home. Refusals are shown in the person's language from the
// problem type; a wrong password never says whether the login exists.

import { ApiError, resetSession } from "/static/js/api.js";
import { languageButton, loadCatalogs, t } from "/static/js/i18n.js";

const form = document.getElementById("login-form");
const loginInput = document.getElementById("login");
const passwordInput = document.getElementById("password");
const submit = document.getElementById("submit");
const alertBox = document.getElementById("login-error");
let lastError = null; // what is shown, so a language switch can say it again

/** Where to go after signing in: ?next= when it is a path on this site, else /home. */
export function nextPath(search = location.search) {
  const next = new URLSearchParams(search).get("next");
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/home";
  try {
    const url = new URL(next, location.origin);
    return url.origin === location.origin ? url.pathname + url.search + url.hash : "/home";
  } catch {
    return "/home";
  }
}

function secondsToWait(error) {
  const header = Number.parseInt(error.retryAfter ?? "", 10);
  if (Number.isFinite(header) && header >= 0) return header;
  const inBody = Number(error.problem?.retry_after_s);
  if (Number.isFinite(inBody) && inBody > 0) return Math.ceil(inBody);
  const inDetail = /(\d+)\s*s/.exec(error.problem?.detail || "");
  return inDetail ? Number(inDetail[1]) : null;
}

function message(error) {
  if (error === "missing") return t("login.error.missing");
  if (!(error instanceof ApiError)) return t("error.network");
  switch (error.type) {
    case "invalid-credentials":
      return t("login.error.invalid-credentials");
    case "rate-limited": {
      const seconds = secondsToWait(error);
      return seconds === null ? t("login.error.rate-limited-later")
        : t("login.error.rate-limited", { seconds });
    }
    case "validation-error":
      return t("login.error.missing");
    default:
      return t("error.generic", { detail: error.message });
  }
}

function showError(error) {
  lastError = error;
  alertBox.textContent = error === null ? "" : message(error);
}

async function logIn(login, password) {
  let response;
  try {
    // Not api(): a write through api() first asks for the session, which a person who is
    // not signed in yet does not have. Log-in needs no CSRF token.
    response = await fetch("/api/v1/auth/login", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ login, password }),
    });
  } catch {
    throw new TypeError("network");
  }
  if (!response.ok) {
    const error = new ApiError(response.status, await response.json().catch(() => ({})));
    error.retryAfter = response.headers.get("Retry-After");
    throw error;
  }
  return response.json();
}

function setBusy(busy) {
  submit.disabled = busy;
  form.setAttribute("aria-busy", String(busy));
  submit.textContent = t(busy ? "login.submitting" : "login.submit");
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const login = loginInput.value.trim();
  const password = passwordInput.value;
  loginInput.setAttribute("aria-invalid", String(!login));
  passwordInput.setAttribute("aria-invalid", String(!password));
  if (!login || !password) {
    showError("missing");
    (login ? passwordInput : loginInput).focus();
    return;
  }
  showError(null);
  setBusy(true);
  try {
    await logIn(login, password);
    resetSession();
    location.assign(nextPath());
    return;
  } catch (error) {
    showError(error);
    if (error instanceof ApiError && error.type === "invalid-credentials") {
      passwordInput.value = "";
      passwordInput.setAttribute("aria-invalid", "true");
      passwordInput.focus();
    }
  }
  setBusy(false);
});

document.addEventListener("baeum:language", () => {
  if (lastError !== null) showError(lastError);
  setBusy(submit.disabled);
});

await loadCatalogs(["login"]);
languageButton(document.getElementById("lang"));
loginInput.focus();
