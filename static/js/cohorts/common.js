// What the two cohort pages (/admin/cohorts, /admin/cohorts/{id}) share: who may change
// things (the training staff; everyone else reads), the statuses in words, and courses by year.

import { everything } from "/static/js/admin/page.js";

export const STAFF = ["admin", "operator"]; // server/core/auth/roles.py STAFF
export const STATUSES = ["planned", "open", "running", "finished", "cancelled"];

export const isStaff = (user) => Boolean(user?.roles?.some((r) => STAFF.includes(r)));

/** Show the training staff's parts (``.staff-only``) to them only. */
export function showStaffParts(user) {
  for (const part of document.querySelectorAll(".staff-only")) part.hidden = !isStaff(user);
}

const courses = new Map();

/** The courses of a year (cached): the catalog's, read with the signed-in person's rights. */
export async function coursesOf(year) {
  if (!courses.has(year)) courses.set(year, everything("/api/v1/courses", { year: String(year) }));
  return courses.get(year);
}
