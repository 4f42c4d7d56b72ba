// What every administration page shares: the top bar (who, language, sign out), small DOM
// builders, money and dates in the person's language, problem+json in words, fetching every
// page of a list, and CSV files made in the browser from rows the API returned.

import { ApiError, api, resetSession, session } from "/static/js/api.js";
import { formatTime, language, languageButton, loadCatalogs, t } from "/static/js/i18n.js";

const PAGE = 200;

/** An element with attributes (``on*`` functions become listeners) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (name === "style") {
      node.style.cssText = String(value); // CSSOM: allowed by the CSP, a style="" attribute is not
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Integer won in the person's language (e.g. "350,000원" / "KRW 350,000"). */
export function won(amount) {
  const number = new Intl.NumberFormat(language() === "ko" ? "ko-KR" : "en-GB").format(amount);
  return t("admin.won", { amount: number });
}

/** A YYYY-MM-DD day, written out in the person's language. */
export function day(iso) {
  return formatTime(`${iso}T12:00:00+09:00`, { dateStyle: "medium" });
}

/** The institute's day today: the server's (the page carries it in <meta name="baeum-today">),
 * else the browser clock's in Seoul. */
export function seoulToday() {
  const given = document.querySelector('meta[name="baeum-today"]')?.content || "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(given)) return given;
  const parts = new Intl.DateTimeFormat("en", {
    timeZone: "Asia/Seoul",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(new Date());
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** What to tell the person about a failed call: validation errors field by field, known
 * problem types in their words, anything else with the server's detail. */
export function problemText(error) {
  if (!(error instanceof ApiError)) return t("error.network");
  if (error.type === "validation-error" && Array.isArray(error.problem.errors)) {
    const fields = error.problem.errors.map((e) => `${e.loc.join(".")}: ${e.msg}`);
    return t("admin.problem.validation", { fields: fields.join("; ") });
  }
  const known = ["conflict", "forbidden", "not-found"];
  if (known.includes(error.type))
    return t(`admin.problem.${error.type}`, { detail: error.message });
  return t("error.generic", { detail: error.message });
}

/** Every item of a paged list (``{items, next_cursor}``). */
export async function everything(path, params = {}) {
  const items = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ ...params, limit: String(PAGE) });
    if (cursor) query.set("cursor", cursor);
    const page = await api("GET", `${path}?${query}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

/** A CSV file (UTF-8 with BOM, so Excel reads Hangul) offered for download. Text a
 * spreadsheet would run as a formula (a name or title starting with = + - @) is kept as text
 * behind an apostrophe, as the server's exports do. */
export function downloadCsv(filename, header, rows) {
  const cell = (value) => {
    let text = value === null || value === undefined ? "" : String(value);
    if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const lines = [header, ...rows].map((row) => row.map(cell).join(","));
  const blob = new Blob([`\ufeff${lines.join("\r\n")}\r\n`], { type: "text/csv;charset=utf-8" });
  const link = el("a", { href: URL.createObjectURL(blob), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

/** A table in a scroll box that a keyboard can scroll too (a phone is narrower than it). */
export function tableBox(labelId, table) {
  return el(
    "div",
    { class: "table-box", tabindex: "0", role: "region", "aria-labelledby": labelId },
    table,
  );
}

export function headerRow(keys) {
  return el(
    "tr",
    {},
    keys.map((key) => el("th", { scope: "col" }, t(key))),
  );
}

async function signOut(button, report) {
  button.disabled = true;
  try {
    await api("POST", "/api/v1/auth/logout");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      report(problemText(error));
      button.disabled = false;
      return;
    }
  }
  resetSession();
  location.assign("/login");
}

/** Load the page's catalogs, wire the top bar, and answer who is signed in (null when the
 * page could not find out: it says so in #page-error). ``render`` runs again on a change of
 * language. */
export async function startPage(areas, render) {
  await loadCatalogs(areas);
  const errorBox = document.getElementById("page-error");
  const report = (text) => {
    errorBox.textContent = text;
  };
  languageButton(document.getElementById("lang"));
  document
    .getElementById("logout")
    .addEventListener("click", (e) => signOut(e.currentTarget, report));
  let user = null;
  const who = () => {
    document.getElementById("who").textContent = user
      ? t("admin.signed-in-as", { name: user.name })
      : "";
  };
  document.addEventListener("baeum:language", () => {
    who();
    render();
  });
  try {
    user = (await session()).user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      location.replace(`/login?next=${encodeURIComponent(location.pathname)}`);
      return null;
    }
    report(problemText(error));
    return null;
  }
  who();
  return user;
}
