// The instructor registry section: search (name, affiliation, specialty; grade; internal),
// the results with contact data only where the API returns it, and one form that creates an
// entry or edits the chosen one (PATCH sends only what changed; an emptied optional field is
// cleared with null).

import { api } from "/static/js/api.js";
import { t } from "/static/js/i18n.js";
import { el, everything, headerRow, problemText, tableBox } from "/static/js/admin/page.js";

const OPTIONAL = ["affiliation", "specialty", "email", "phone"];

/** The log-in of a user id (for the form), remembered: logins do not change. */
const logins = new Map();
async function loginOf(userId) {
  if (!logins.has(userId)) logins.set(userId, (await api("GET", `/api/v1/users/${userId}`)).login);
  return logins.get(userId);
}

/** The user id of an instructor's account by its exact log-in; null when there is none. */
async function instructorAccount(login) {
  const query = new URLSearchParams({ q: login, role: "instructor", limit: "200" });
  const found = (await api("GET", `/api/v1/users?${query}`)).items.find((u) => u.login === login);
  if (found) logins.set(found.id, found.login);
  return found?.id ?? null;
}

export class Registry {
  /** ``onChange()`` runs after an entry is created or edited (other sections list them). */
  constructor(onChange) {
    this.onChange = onChange;
    this.results = null;
    this.failed = null;
    this.editing = null;
    this.notice = null;
    this.loginShown = Promise.resolve();
    this.form = document.getElementById("instructor-form");
    this.search = document.getElementById("registry-search");
    this.search.addEventListener("submit", (e) => {
      e.preventDefault();
      this.find();
    });
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.save();
    });
    document.getElementById("instructor-cancel").addEventListener("click", () => this.edit(null));
  }

  async find() {
    const data = new FormData(this.search);
    const query = {};
    for (const key of ["q", "grade", "internal"]) {
      const value = String(data.get(key) || "").trim();
      if (value) query[key] = value;
    }
    try {
      // every match, page after page: an institute's registry is hundreds, not millions
      this.results = await everything("/api/v1/instructors", query);
      this.failed = null;
      this.notice = null;
    } catch (error) {
      this.failed = error;
    }
    this.render();
  }

  contact(row) {
    if (!row.contact) return "";
    return [row.contact.email, row.contact.phone].filter(Boolean).join(" · ");
  }

  render() {
    const status = document.getElementById("registry-status");
    const list = document.getElementById("registry-list");
    if (this.failed) {
      status.textContent = problemText(this.failed);
    } else if (this.notice) {
      status.textContent = t(this.notice.key, { name: this.notice.name });
    } else if (this.results !== null) {
      status.textContent = t("ins.registry.found", { count: this.results.length });
    }
    if (!this.results || this.results.length === 0) {
      list.replaceChildren();
    } else {
      const rows = this.results.map((row) =>
        el(
          "tr",
          { dataset: { instructorId: row.id } },
          el("th", { scope: "row" }, row.name),
          el("td", {}, row.grade),
          el("td", {}, t(row.internal ? "ins.internal" : "ins.external")),
          el("td", {}, row.affiliation ?? ""),
          el("td", {}, row.specialty ?? ""),
          el("td", {}, this.contact(row)),
          el(
            "td",
            {},
            el(
              "button",
              {
                type: "button",
                onclick: () => this.edit(row),
                "aria-label": t("ins.edit.label", { name: row.name }),
              },
              t("ins.edit"),
            ),
          ),
        ),
      );
      list.replaceChildren(
        tableBox(
          "registry-caption",
          el(
            "table",
            {},
            el("caption", { id: "registry-caption", class: "visually-hidden" }, t("ins.registry")),
            el(
              "thead",
              {},
              headerRow([
                "ins.field.name-short",
                "ins.field.grade",
                "ins.search.internal",
                "ins.field.affiliation",
                "ins.field.specialty",
                "ins.field.contact",
                "ins.col.action",
              ]),
            ),
            el("tbody", {}, rows),
          ),
        ),
      );
    }
    const legend = document.getElementById("instructor-form-legend");
    legend.textContent = this.editing
      ? t("ins.edit.legend", { name: this.editing.name })
      : t("ins.create");
    document.getElementById("instructor-submit").textContent = t(
      this.editing ? "ins.edit.submit" : "ins.create.submit",
    );
    document.getElementById("instructor-cancel").hidden = !this.editing;
  }

  /** Fill the form with ``row`` to edit it (null: back to creating a new entry). */
  edit(row) {
    this.editing = row;
    const f = this.form.elements;
    f.name.value = row?.name ?? "";
    f.grade.value = row?.grade ?? "";
    f.affiliation.value = row?.affiliation ?? "";
    f.specialty.value = row?.specialty ?? "";
    f.login.value = "";
    // saving waits for it: an empty field before the log-in arrives must not unlink the account
    this.loginShown = !row?.user_id
      ? Promise.resolve()
      : loginOf(row.user_id)
          .then((login) => {
            if (this.editing === row) f.login.value = login;
          })
          .catch((error) => {
            this.formError(problemText(error));
            return "unknown";
          });
    f.email.value = row?.contact?.email ?? "";
    f.phone.value = row?.contact?.phone ?? "";
    f.internal.checked = Boolean(row?.internal);
    this.formError("");
    this.render();
    f.name.focus();
  }

  formError(text) {
    this.form.querySelector(".form-error").textContent = text;
  }

  /** The form as the API wants it: numbers as numbers, empty optional fields as null. */
  values() {
    const f = this.form.elements;
    const out = {
      name: f.name.value.trim(),
      grade: f.grade.value.trim(),
      internal: f.internal.checked,
    };
    for (const key of OPTIONAL) {
      const raw = f[key].value.trim();
      out[key] = raw === "" ? null : raw;
    }
    return out;
  }

  changes(values) {
    const was = {
      ...this.editing,
      email: this.editing.contact?.email ?? null,
      phone: this.editing.contact?.phone ?? null,
    };
    return Object.fromEntries(
      Object.entries(values).filter(([key, value]) => (was[key] ?? null) !== value),
    );
  }

  async save() {
    const values = this.values();
    if (!values.name || !values.grade) {
      this.formError(t("ins.error.name-grade"));
      (values.name ? this.form.elements.grade : this.form.elements.name).focus();
      return;
    }
    const editing = this.editing;
    try {
      const shown = await this.loginShown;
      const login = this.form.elements.login.value.trim();
      values.user_id = login ? await instructorAccount(login) : null;
      // the linked log-in could not be read: an empty field then says nothing; leave the link
      if (shown === "unknown" && !login) delete values.user_id;
      if (login && values.user_id === null) {
        this.formError(t("ins.error.no-such-login", { login }));
        this.form.elements.login.focus();
        return;
      }
      let saved;
      if (editing) {
        saved = await api("PATCH", `/api/v1/instructors/${editing.id}`, this.changes(values));
      } else {
        for (const key of [...OPTIONAL, "user_id"]) if (values[key] === null) delete values[key];
        saved = await api("POST", "/api/v1/instructors", values);
      }
      this.results = [saved, ...(this.results ?? []).filter((r) => r.id !== saved.id)];
      this.failed = null;
      this.notice = { key: editing ? "ins.saved" : "ins.created", name: saved.name };
      this.edit(null);
      await this.onChange();
    } catch (error) {
      this.formError(problemText(error));
    }
  }
}
