// Words on every page come from message catalogs (static/i18n/{lang}/{area}.json): Korean by
// default, English for international courses. Markup names its strings with data-i18n="key"
// (text) and data-i18n-attr="aria-label:key;placeholder:key" (attributes); scripts call t().

const LANGUAGES = ["ko", "en"];
const STORE = "baeum.lang";
let messages = {};
let loadedAreas = [];
let loadedLanguage = null;

/** The language in use: ?lang=, then the person's earlier choice, then Korean. */
export function language() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGUAGES.includes(asked)) return asked;
  const chosen = localStorage.getItem(STORE);
  return LANGUAGES.includes(chosen) ? chosen : "ko";
}

async function fetchArea(lang, area) {
  const response = await fetch(`/static/i18n/${lang}/${area}.json`);
  if (!response.ok) throw new Error(`message catalog ${lang}/${area}: ${response.status}`);
  return response.json();
}

/** Load the catalogs a page uses ("common" always comes first) and translate the page. */
export async function loadCatalogs(areas) {
  loadedAreas = ["common", ...areas.filter((a) => a !== "common")];
  const lang = language();
  const parts = await Promise.all(loadedAreas.map((area) => fetchArea(lang, area)));
  messages = Object.assign({}, ...parts);
  loadedLanguage = lang;
  document.documentElement.lang = lang;
  translate(document);
}

/** The language of the words t() gives now: while a switch is loading, still the old one, so a
 * render keyed on it is drawn again when the new words arrive. */
export function catalogLanguage() {
  return loadedLanguage ?? language();
}

/** A message by key, with {name} placeholders filled; the key itself if it is missing. */
export function t(key, vars = {}) {
  const text = messages[key];
  if (text === undefined) {
    console.warn(`missing message: ${key}`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in vars ? String(vars[name]) : whole));
}

/** Fill every data-i18n text and data-i18n-attr attribute under root. */
export function translate(root) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  root.querySelectorAll("[data-i18n-attr]").forEach((el) => {
    el.dataset.i18nAttr.split(";").forEach((pair) => {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    });
  });
  const title = document.querySelector("title[data-i18n]");
  if (title) document.title = title.textContent;
}

/** Switch language in place (no reload: typed input and the live connection stay). */
export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) return;
  localStorage.setItem(STORE, lang);
  const url = new URL(location.href);
  if (url.searchParams.has("lang")) {
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
  }
  await loadCatalogs(loadedAreas.slice(1));
  document.dispatchEvent(new CustomEvent("baeum:language", { detail: { lang } }));
}

/** A button that offers the other language, labelled in that language. */
export function languageButton(button) {
  const render = () => {
    const other = language() === "ko" ? "en" : "ko";
    button.textContent = other === "en" ? "English" : "한국어";
    button.lang = other;
    button.dataset.lang = other;
  };
  render();
  button.addEventListener("click", () => setLanguage(button.dataset.lang).then(render));
}

/** Dates and times in the person's language, in the institute's time zone. */
export function formatTime(iso, options = { dateStyle: "medium", timeStyle: "short" }) {
  return new Intl.DateTimeFormat(language() === "ko" ? "ko-KR" : "en-GB",
    { timeZone: "Asia/Seoul", ...options }).format(new Date(iso));
}
