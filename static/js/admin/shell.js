// The administration shell (/admin): the record sections that work, each a link with a line
// saying what it holds. Pages that belong to one cohort (enrolment, completion, surveys) are
// reached from that cohort's page, not from here. A new section adds one entry to SECTIONS
// when its page is ready: no dead links meanwhile. Each section names the roles its page
// admits (server/admin/pages.py): a person is shown only the sections they may open, so an
// exam officer sees the exam pages and not the budget, and an operator no exam page.

import { t } from "/static/js/i18n.js";
import { el, startPage } from "/static/js/admin/page.js";

// server/core/auth/roles.py STAFF and EXAM_STAFF
const STAFF = ["admin", "operator"];
const EXAM_STAFF = ["admin", "exam_officer"];
const READERS = ["admin", "operator", "exam_officer"]; // /reports lists each their own

const SECTIONS = [
  { key: "catalog", href: "/admin/catalog", roles: STAFF },
  { key: "cohorts", href: "/admin/cohorts", roles: STAFF },
  { key: "instructors", href: "/admin/instructors", roles: STAFF },
  { key: "budget", href: "/admin/budget", roles: STAFF },
  { key: "reports", href: "/reports", roles: READERS },
  { key: "exams", href: "/admin/exams", roles: EXAM_STAFF },
  { key: "competency", href: "/admin/exams/competency", roles: EXAM_STAFF },
];
let mine = [];

/** The sections whose pages admit one of the person's roles. */
function sectionsFor(user) {
  const roles = user ? user.roles : [];
  return SECTIONS.filter((s) => s.roles.some((role) => roles.includes(role)));
}

function render() {
  document.getElementById("sections").replaceChildren(
    ...mine.map(({ key, href }) => {
      const title = `section-${key}`;
      return el(
        "li",
        { dataset: { section: key } },
        el(
          "a",
          { href, id: title, "aria-describedby": `${title}-about` },
          t(`admin.section.${key}`),
        ),
        el("p", { class: "muted", id: `${title}-about` }, t(`admin.section.${key}.about`)),
      );
    }),
  );
}

async function start() {
  const main = document.getElementById("admin-main");
  const user = await startPage(["admin"], render);
  mine = sectionsFor(user);
  render();
  main.dataset.state = user ? "ready" : "failed";
}

start();
