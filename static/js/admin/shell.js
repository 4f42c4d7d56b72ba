// The administration shell (/admin): the record sections that work, each a link with a line
// saying what it holds. Pages that belong to one cohort (enrolment, completion, surveys) are
// reached from that cohort's page, not from here. A new section adds one entry to SECTIONS
// when its page is ready: no dead links meanwhile.

import { t } from "/static/js/i18n.js";
import { el, startPage } from "/static/js/admin/page.js";

const SECTIONS = [
  { key: "catalog", href: "/admin/catalog" },
  { key: "cohorts", href: "/admin/cohorts" },
  { key: "instructors", href: "/admin/instructors" },
  { key: "budget", href: "/admin/budget" },
  { key: "reports", href: "/reports" },
];

function render() {
  document.getElementById("sections").replaceChildren(
    ...SECTIONS.map(({ key, href }) => {
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
  render();
  main.dataset.state = user ? "ready" : "failed";
}

start();
