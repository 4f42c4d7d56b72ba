// One cohort's enrolment (/admin/cohorts/{id}/enrolment): the list with a status filter, the
// waitlist in order, approve and cancel-with-reason dialogs, accommodations and their editor,
// and direct enrolment by log-in names. Operators and admins change it; the cohort's
// instructors read it (the API decides what each sees; this page only hides what they
// cannot do). Every change reloads the list from the server, so the screen is the record.

import { ApiError, api } from "/static/js/api.js";
import { formatTime, t } from "/static/js/i18n.js";
import { el, headerRow, problemText, startPage, tableBox } from "/static/js/admin/page.js";

const STAFF = ["admin", "operator"];
const CANCELLABLE = ["applied", "approved", "waitlisted"];
const APPROVABLE = ["applied", "waitlisted"];
const AID_STATUSES = ["requested", "arranged", "declined"];

const cohortId = Number(location.pathname.match(/^\/admin\/cohorts\/(\d+)\/enrolment/)?.[1]);
const state = { data: null, error: null, canChange: false, status: "", current: null };
const base = `/api/v1/cohorts/${cohortId}`;

const byId = (id) => state.data?.items.find((row) => row.id === id) ?? null;
const who = (row) => `${row.name} (${row.login})`;
const formError = (root, text) => {
  root.querySelector(".form-error").textContent = text;
};

/** A refused call in the person's words, for the enrolment problems too. */
function refusal(error) {
  if (error instanceof ApiError) {
    if (error.type === "enrolment-state")
      return t("enr.problem.enrolment-state", {
        status: t(`enr.status.${error.problem.enrolment_status}`),
      });
    if (["cohort-full", "cohort-not-open"].includes(error.type))
      return t(`enr.problem.${error.type}`);
    if (error.type === "unknown-logins")
      return t("enr.bulk.unknown", { logins: error.problem.logins.join(", ") });
  }
  return problemText(error);
}

// ---- the list -------------------------------------------------------------------------------

async function load() {
  const query = state.status ? `?status=${encodeURIComponent(state.status)}` : "";
  try {
    state.data = await api("GET", `${base}/enrolments${query}`);
    state.error = null;
  } catch (error) {
    state.error = error;
  }
  render();
}

function aidsCell(row) {
  if (!row.accommodations.length) return "—";
  return el(
    "ul",
    { class: "aids" },
    row.accommodations.map((a) =>
      el(
        "li",
        { dataset: { kind: a.kind, status: a.status } },
        t("enr.aid.line", {
          kind: t(`enr.aid.${a.kind}`),
          status: t(`enr.aid-status.${a.status}`),
        }),
        a.note ? ` — ${a.note}` : "",
      ),
    ),
  );
}

function reasonCell(row) {
  if (row.status !== "cancelled") return "—";
  const reason = row.cancel_reason ? t(`enr.reason.${row.cancel_reason}`) : "—";
  const when = row.cancelled_at ? formatTime(row.cancelled_at, { dateStyle: "medium" }) : "";
  const text = when ? t("enr.cancelled-by", { reason, when }) : reason;
  return row.cancel_note ? `${text} — ${row.cancel_note}` : text;
}

function actionsCell(row) {
  const name = who(row);
  const button = (action, key, labelKey, onclick) =>
    el(
      "button",
      { type: "button", "aria-label": t(labelKey, { name }), dataset: { action }, onclick },
      t(key),
    );
  return el(
    "div",
    { class: "row" },
    APPROVABLE.includes(row.status) &&
      button("approve", "enr.approve", "enr.approve.label", () => openApprove(row.id)),
    CANCELLABLE.includes(row.status) &&
      button("cancel", "enr.cancel", "enr.cancel.label", () => openCancel(row.id)),
    button("aids", "enr.aids", "enr.aids.label", () => openAids(row.id)),
  );
}

function render() {
  const summary = document.getElementById("cohort-summary");
  const status = document.getElementById("list-status");
  const box = document.getElementById("list-table");
  document.getElementById("read-only").hidden = state.canChange || !state.data;
  document.getElementById("bulk").hidden = !state.canChange;
  if (state.error) {
    status.textContent = refusal(state.error);
    box.replaceChildren();
    return;
  }
  if (!state.data) return;
  const d = state.data;
  summary.textContent = t("enr.cohort", {
    name: d.cohort_name,
    capacity: d.capacity,
    approved: d.approved,
    waitlisted: d.waitlisted,
  });
  if (!d.items.length) {
    box.replaceChildren(el("p", { class: "empty" }, t("enr.none")));
    return;
  }
  const columns = ["enr.col.name", "enr.col.status", "enr.col.waitlist", "enr.col.reason",
    "enr.col.aids"];
  if (state.canChange) columns.push("enr.col.actions");
  const rows = d.items.map((row) =>
    el(
      "tr",
      { dataset: { enrolmentId: row.id, status: row.status, login: row.login } },
      el("th", { scope: "row" }, who(row)),
      el("td", {}, t(`enr.status.${row.status}`)),
      el(
        "td",
        { class: "num" },
        row.waitlist_position ? t("enr.waitlist-place", { n: row.waitlist_position }) : "—",
      ),
      el("td", {}, reasonCell(row)),
      el("td", {}, aidsCell(row)),
      state.canChange && el("td", {}, actionsCell(row)),
    ),
  );
  box.replaceChildren(
    tableBox(
      "list-caption",
      el(
        "table",
        {},
        el("caption", { id: "list-caption", class: "visually-hidden" }, t("enr.list")),
        el("thead", {}, headerRow(columns)),
        el("tbody", {}, rows),
      ),
    ),
  );
}

/** Say what happened, and put focus back where the person was (or on the list). */
async function after(message, enrolmentId, action) {
  await load();
  document.getElementById("list-status").textContent = message;
  const again = document.querySelector(
    `#list-table tr[data-enrolment-id="${enrolmentId}"] button[data-action="${action}"]`,
  );
  (again ?? document.querySelector("#list-table .table-box"))?.focus();
}

// ---- dialogs --------------------------------------------------------------------------------

const approveDialog = document.getElementById("approve-dialog");
const cancelDialog = document.getElementById("cancel-dialog");
const aidsDialog = document.getElementById("aids-dialog");

function open(dialog, enrolmentId) {
  state.current = enrolmentId;
  formError(dialog, "");
  dialog.showModal();
}

function openApprove(id) {
  document.getElementById("approve-about").textContent = t("enr.approve.about", {
    name: who(byId(id)),
  });
  open(approveDialog, id);
}

async function approve() {
  const row = byId(state.current);
  try {
    const done = await api("POST", `/api/v1/enrolments/${row.id}/approve`);
    approveDialog.close();
    const message =
      done.status === "waitlisted"
        ? t("enr.waitlisted", { name: who(row), n: done.waitlist_position })
        : t("enr.approved", { name: who(row) });
    await after(message, row.id, "cancel");
  } catch (error) {
    formError(approveDialog, refusal(error));
  }
}

function openCancel(id) {
  document.getElementById("cancel-about").textContent = t("enr.cancel.about", {
    name: who(byId(id)),
  });
  const form = cancelDialog.querySelector("form");
  form.reset();
  open(cancelDialog, id);
  form.elements.reason.focus();
}

async function cancel() {
  const row = byId(state.current);
  const f = cancelDialog.querySelector("form").elements;
  const reason = f.reason.value;
  const note = f.note.value.trim();
  if (!reason) {
    formError(cancelDialog, t("enr.cancel.error.reason"));
    f.reason.focus();
    return;
  }
  if (reason === "other" && !note) {
    formError(cancelDialog, t("enr.cancel.error.note"));
    f.note.focus();
    return;
  }
  try {
    const change = await api("POST", `/api/v1/enrolments/${row.id}/cancel`, {
      reason,
      note: note || null,
    });
    cancelDialog.close();
    const message = change.promoted
      ? t("enr.promoted", { name: who(row), promoted: who(change.promoted) })
      : t("enr.cancelled", { name: who(row) });
    await after(message, row.id, "aids");
  } catch (error) {
    formError(cancelDialog, refusal(error));
  }
}

function renderAids() {
  const row = byId(state.current);
  if (!row) return;
  document.getElementById("aids-about").textContent = t("enr.aids.about", { name: who(row) });
  const list = document.getElementById("aids-list");
  if (!row.accommodations.length) {
    list.replaceChildren(el("p", { class: "muted" }, t("enr.aids.none")));
    return;
  }
  list.replaceChildren(
    ...row.accommodations.map((aid) => {
      const kind = t(`enr.aid.${aid.kind}`);
      const id = `aid-${aid.id}`;
      const status = el(
        "select",
        { id: `${id}-status`, name: "status" },
        AID_STATUSES.map((s) =>
          el("option", { value: s, selected: s === aid.status }, t(`enr.aid-status.${s}`)),
        ),
      );
      const note = el("input", { id: `${id}-note`, name: "note", maxlength: "500",
        autocomplete: "off", value: aid.note ?? "" }); // prettier-ignore
      return el(
        "form",
        { class: "aid", novalidate: true, dataset: { kind: aid.kind },
          onsubmit: (e) => { e.preventDefault(); saveAid(aid, kind, status, note); } }, // prettier-ignore
        el("h3", {}, kind),
        el(
          "div",
          { class: "fields" },
          el("div", {}, el("label", { for: status.id }, t("enr.aids.status", { kind })), status),
          el("div", {}, el("label", { for: note.id }, t("enr.aids.note", { kind })), note),
        ),
        el("div", { class: "actions" },
          el("button", { type: "submit" }, t("enr.aids.save", { kind }))), // prettier-ignore
      );
    }),
  );
}

function openAids(id) {
  document.getElementById("aids-status").textContent = "";
  document.getElementById("aid-add").reset();
  open(aidsDialog, id);
  renderAids();
}

async function saveAid(aid, kind, status, note) {
  try {
    await api("PATCH", `/api/v1/accommodations/${aid.id}`, {
      status: status.value,
      note: note.value.trim() || null,
    });
    formError(aidsDialog, "");
    await load();
    renderAids();
    document.getElementById("aids-status").textContent = t("enr.aids.saved", { kind });
    document.getElementById(`aid-${aid.id}-status`)?.focus();
  } catch (error) {
    formError(aidsDialog, refusal(error));
  }
}

async function addAid() {
  const form = document.getElementById("aid-add");
  const kindValue = form.elements.kind.value;
  const kind = t(`enr.aid.${kindValue}`);
  try {
    await api("POST", `/api/v1/enrolments/${state.current}/accommodations`, {
      kind: kindValue,
      note: form.elements.note.value.trim() || null,
    });
    formError(aidsDialog, "");
    form.reset();
    await load();
    renderAids();
    document.getElementById("aids-status").textContent = t("enr.aids.added", { kind });
  } catch (error) {
    formError(aidsDialog, refusal(error));
  }
}

// ---- direct enrolment -----------------------------------------------------------------------

async function bulkEnrol() {
  const form = document.getElementById("bulk-form");
  const logins = form.elements.logins.value.split(/[\s,]+/).filter(Boolean);
  const unique = [...new Set(logins)];
  const status = document.getElementById("bulk-status");
  if (!unique.length) {
    formError(form, t("enr.bulk.error.empty"));
    form.elements.logins.focus();
    return;
  }
  try {
    const done = await api("POST", `${base}/enrolments`, { logins: unique });
    formError(form, "");
    form.reset();
    const lines = [
      t("enr.bulk.done", {
        approved: done.approved.length,
        waitlisted: done.waitlisted.length,
        unchanged: done.unchanged.length,
      }),
    ];
    if (done.waitlisted.length)
      lines.push(t("enr.bulk.waitlisted", { logins: done.waitlisted.join(", ") }));
    status.textContent = lines.join(" · ");
    await load();
  } catch (error) {
    formError(form, refusal(error));
    form.elements.logins.focus();
  }
}

// ---- start ----------------------------------------------------------------------------------

function wire() {
  document.getElementById("filter-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.status = e.currentTarget.elements.status.value;
    load();
  });
  approveDialog.querySelector("form").addEventListener("submit", (e) => {
    e.preventDefault();
    approve();
  });
  cancelDialog.querySelector("form").addEventListener("submit", (e) => {
    e.preventDefault();
    cancel();
  });
  document.getElementById("aid-add").addEventListener("submit", (e) => {
    e.preventDefault();
    addAid();
  });
  document.getElementById("bulk-form").addEventListener("submit", (e) => {
    e.preventDefault();
    bulkEnrol();
  });
  for (const dialog of [approveDialog, cancelDialog, aidsDialog]) {
    for (const button of dialog.querySelectorAll("button.close"))
      button.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => {
      const back = document.querySelector(
        `#list-table tr[data-enrolment-id="${state.current}"] button[data-action]`,
      );
      if (back) back.focus();
    });
  }
}

async function start() {
  const main = document.getElementById("admin-main");
  const user = await startPage(["admin", "enrolment"], () => {
    render();
    renderAids();
  });
  if (!user) {
    main.dataset.state = "failed";
    return;
  }
  if (!cohortId) {
    document.getElementById("page-error").textContent = t("enr.error.cohort");
    main.dataset.state = "failed";
    return;
  }
  document.getElementById("nav-cohort").href = `/admin/cohorts/${cohortId}`;
  document.getElementById("nav-this").href = location.pathname;
  document.getElementById("nav-completion").href = `/admin/cohorts/${cohortId}/completion`;
  state.canChange = user.roles.some((role) => STAFF.includes(role));
  wire();
  await load();
  main.dataset.state = state.error ? "failed" : "ready";
}

start();
