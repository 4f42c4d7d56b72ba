// Fee standards (강사료 지급기준): every version, newest effective date first, the one in force
// on the institute's day marked, replaced versions marked and all of them read-only (the API
// has no edit); a form adds a standard, or the next version of one, with per-grade rates
// (first hour, each further hour, optional cap per class session; integer won).

import { api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import {
  day,
  el,
  headerRow,
  problemText,
  seoulToday,
  tableBox,
  won,
} from "/static/js/admin/page.js";

export class Standards {
  constructor() {
    this.versions = null;
    this.inForce = null;
    this.failed = null;
    this.notice = null;
    this.form = document.getElementById("standard-form");
    this.rates = document.getElementById("std-rates");
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    document.getElementById("std-add-rate").addEventListener("click", () => {
      this.addRate();
      this.rates.lastElementChild.querySelector("input").focus();
    });
    this.rateCount = 0;
  }

  async load() {
    try {
      const [versions, inForce] = await Promise.all([
        api("GET", "/api/v1/fee-standards"),
        api("GET", `/api/v1/fee-standards?on=${seoulToday()}`),
      ]);
      this.versions = versions;
      this.inForce = inForce[0] ?? null;
      this.failed = null;
    } catch (error) {
      this.failed = error;
    }
    if (this.rates.children.length === 0) this.startRates();
    this.render();
  }

  /** Begin the form from the rates in force (the usual next version changes a few). */
  startRates() {
    const base = this.inForce?.rates ?? [];
    if (base.length === 0) this.addRate();
    for (const rate of base) this.addRate(rate);
  }

  addRate(rate = null) {
    const n = ++this.rateCount;
    const field = (name, key, attrs) =>
      el(
        "div",
        {},
        el("label", { for: `rate-${n}-${name}`, dataset: { i18n: key } }, t(key)),
        el("input", { id: `rate-${n}-${name}`, name, ...attrs }),
      );
    const number = { type: "number", min: "0", max: "100000000", step: "1", inputmode: "numeric" };
    const row = el(
      "div",
      { class: "rate-row", role: "group", "aria-labelledby": `rate-${n}-title` },
      el("p", { id: `rate-${n}-title`, class: "muted rate-title" }),
      el(
        "div",
        { class: "fields" },
        field("grade", "ins.field.grade", {
          required: true,
          maxlength: "16",
          value: rate?.grade ?? "",
          autocomplete: "off",
        }),
        field("first_hour_won", "ins.rate.first", {
          ...number,
          required: true,
          value: rate?.first_hour_won ?? "",
        }),
        field("further_hour_won", "ins.rate.further", {
          ...number,
          required: true,
          value: rate?.further_hour_won ?? "",
        }),
        field("cap_won", "ins.rate.cap", { ...number, value: rate?.cap_won ?? "" }),
      ),
      el(
        "button",
        {
          type: "button",
          class: "remove-rate",
          "aria-describedby": `rate-${n}-title`,
          onclick: (e) => {
            const rows = this.rates.children;
            if (rows.length > 1) e.currentTarget.closest(".rate-row").remove();
            this.renumber();
            document.getElementById("std-add-rate").focus();
          },
        },
        t("ins.rate.remove"),
      ),
    );
    this.rates.append(row);
    this.renumber();
  }

  /** "Rate 1", "Rate 2"… by position, whatever was added and removed before. */
  renumber() {
    this.rates.querySelectorAll(".rate-title").forEach((title, i) => {
      title.textContent = t("ins.rate.title", { n: i + 1 });
    });
  }

  rateRows() {
    return [...this.rates.querySelectorAll(".rate-row")].map((row) => {
      const value = (name) => row.querySelector(`[name="${name}"]`).value.trim();
      const cap = value("cap_won");
      return {
        grade: value("grade"),
        first_hour_won: value("first_hour_won") === "" ? null : Number(value("first_hour_won")),
        further_hour_won:
          value("further_hour_won") === "" ? null : Number(value("further_hour_won")),
        cap_won: cap === "" ? null : Number(cap),
      };
    });
  }

  async save() {
    const f = this.form.elements;
    const body = {
      effective_from: f.effective_from.value,
      title: f.title.value.trim(),
      basis: f.basis.value.trim() || null,
      rates: this.rateRows(),
    };
    const error = this.form.querySelector(".form-error");
    if (
      !body.effective_from ||
      !body.title ||
      body.rates.some((r) => !r.grade || r.first_hour_won === null || r.further_hour_won === null)
    ) {
      error.textContent = t("ins.error.standard-incomplete");
      return;
    }
    try {
      const saved = await api("POST", "/api/v1/fee-standards", body);
      error.textContent = "";
      this.notice = saved;
      f.effective_from.value = "";
      f.title.value = "";
      f.basis.value = "";
      this.rates.replaceChildren(); // begun again from the rates now in force
      await this.load();
    } catch (failure) {
      error.textContent = problemText(failure);
    }
  }

  standard(s) {
    const inForce = this.inForce?.id === s.id;
    const heading = `standard-${s.id}`;
    const badges = [
      inForce ? el("span", { class: "badge in-force" }, t("ins.standard.in-force")) : null,
      s.superseded ? el("span", { class: "badge superseded" }, t("ins.standard.superseded")) : null,
    ];
    const rates = s.rates.map((r) =>
      el(
        "tr",
        {},
        el("th", { scope: "row" }, r.grade),
        el("td", { class: "num" }, won(r.first_hour_won)),
        el("td", { class: "num" }, won(r.further_hour_won)),
        el("td", { class: "num" }, r.cap_won === null ? t("ins.rate.no-cap") : won(r.cap_won)),
      ),
    );
    return el(
      "article",
      {
        class: "standard",
        dataset: { standardId: s.id, inForce: inForce ? "yes" : "no" },
        "aria-labelledby": heading,
      },
      el("h3", { id: heading }, s.title, " ", t("ins.standard.version", { version: s.version })),
      el(
        "p",
        { class: "row" },
        t("ins.standard.from-day", { day: day(s.effective_from) }),
        ...badges,
      ),
      s.basis ? el("p", { class: "muted" }, t("ins.standard.basis-is", { basis: s.basis })) : null,
      tableBox(
        `${heading}-rates`,
        el(
          "table",
          {},
          el(
            "caption",
            { id: `${heading}-rates`, class: "visually-hidden" },
            t("ins.standard.rates-of", { title: s.title, version: s.version }),
          ),
          el(
            "thead",
            {},
            headerRow(["ins.field.grade", "ins.rate.first", "ins.rate.further", "ins.rate.cap"]),
          ),
          el("tbody", {}, rates),
        ),
      ),
    );
  }

  render() {
    const list = document.getElementById("standards-list");
    const parts = [];
    document.getElementById("standards-status").textContent = this.failed
      ? problemText(this.failed)
      : this.notice
        ? t("ins.standard.saved", { title: this.notice.title, version: this.notice.version })
        : "";
    if (this.versions && this.versions.length === 0)
      parts.push(el("p", { class: "empty" }, t("ins.standards.none")));
    const ordered = [...(this.versions ?? [])].sort(
      (a, b) => b.effective_from.localeCompare(a.effective_from) || b.version - a.version,
    );
    parts.push(...ordered.map((s) => this.standard(s)));
    list.replaceChildren(...parts);
    this.renumber();
    for (const button of this.rates.querySelectorAll(".remove-rate"))
      button.textContent = t("ins.rate.remove");
  }
}
