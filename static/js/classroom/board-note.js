// One post-it on the board: built once per post, its parts filled again only when what they
// show changed (its version, the reactions, its comments, the language, where it may move).
// Every word a person wrote goes in as text; the body goes through safeBody (board-html.js).
// Actions call the panel (`ctl`): react, comment, edit, withdraw, move, connect, moderate.

import { catalogLanguage, formatTime, t } from "/static/js/i18n.js";
import { attachmentHref, el, LINK_REL, safeBody, safeHref } from "./board-html.js";

const PALETTE = new Set(["yellow", "pink", "blue", "green", "orange", "purple", "white", "grey"]);
const STARS = [1, 2, 3, 4, 5];

function number(value) {
  try {
    return new Intl.NumberFormat(catalogLanguage(), { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
  } catch {
    return value.toFixed(1);
  }
}

/** A button whose words come from the catalog (again on every fill: the language may change). */
function button(key, onClick, props = {}) {
  const b = el("button", { type: "button", ...props });
  if (key) b.dataset.key = key;
  b.addEventListener("click", onClick);
  return b;
}

function words(root) {
  root.querySelectorAll("[data-key]").forEach((node) => { node.textContent = t(node.dataset.key); });
}

export function dateText(iso) {
  try {
    return new Intl.DateTimeFormat(catalogLanguage() === "ko" ? "ko-KR" : "en-GB",
      { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`));
  } catch {
    return iso;
  }
}

export function postLabel(post) {
  const text = post.title || post.body.replace(/<[^>]*>/g, " ").replace(/&[a-z#0-9]+;/gi, " ").trim();
  return (text || `#${post.id}`).slice(0, 40);
}

/** The elements of one note, and the actions they call. */
export function buildNote(id, ctl) {
  const titleId = `note-t-${id}`;
  const li = el("li", { className: "note", "aria-labelledby": titleId });
  li.dataset.id = String(id);
  const act = (work) => () => ctl.run(work);

  const like = button(null, act(() => ctl.react(id, "like")), { className: "note-like", "aria-pressed": "false", "aria-describedby": titleId });
  like.append(el("span", { "aria-hidden": "true" }, "👍"), el("span", { className: "visually-hidden", "data-key": "board.like" }),
    el("span", { className: "note-n" }));
  const vote = button(null, act(() => ctl.react(id, "vote")), { className: "note-vote", "aria-pressed": "false", "aria-describedby": titleId });
  vote.append(el("span", { "aria-hidden": "true" }, "▲"), el("span", { className: "visually-hidden", "data-key": "board.vote" }),
    el("span", { className: "note-n" }));
  const more = button(null, () => ctl.expand(id), { className: "note-open", "aria-expanded": "false",
    "aria-controls": `note-more-${id}`, "aria-describedby": titleId });
  more.append(el("span", { "aria-hidden": "true" }, "💬"), el("span", { className: "visually-hidden", "data-key": "board.comments" }),
    el("span", { className: "note-n" }));

  const stars = el("fieldset", { className: "note-stars" }, el("legend", { "data-key": "board.rate" }),
    ...[0, ...STARS].map((n) => {
      const input = el("input", { type: "radio", name: `note-star-${id}`, value: String(n) });
      input.addEventListener("change", () => ctl.run(() => ctl.react(id, "star", n)));
      return el("label", { className: "check" }, input, el("span", n ? {} : { "data-key": "board.rate_none" }, n ? `★${n}` : ""));
    }));
  const text = el("input", { id: `note-c-${id}`, maxlength: "2000", required: true, autocomplete: "off" });
  const anon = el("input", { type: "checkbox", id: `note-ca-${id}` });
  const form = el("form", { className: "note-comment-form" },
    el("label", { htmlFor: text.id, "data-key": "board.comment_label" }), text,
    el("div", { className: "row" }, el("label", { className: "check note-comment-anon" }, anon,
      el("span", { "data-key": "board.anonymous" })),
    el("button", { type: "submit", "data-key": "board.comment_send" })));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const said = text.value.trim();
    if (!said) return;
    ctl.run(async () => { await ctl.comment(id, said, anon.checked); text.value = ""; });
  });
  const moreBox = el("div", { className: "note-more", id: `note-more-${id}`, hidden: true },
    stars, el("ol", { className: "note-comments" }), form);

  // the menu: what may be done to this note, a keyboard's way to move it included
  const section = el("select", { id: `note-sec-${id}` });
  const target = el("select", { id: `note-to-${id}` });
  const label = el("input", { id: `note-cl-${id}`, maxlength: "100" });
  const grade = el("input", { id: `note-g-${id}`, maxlength: "40" });
  const menu = el("details", { className: "note-menu" },
    el("summary", { "aria-describedby": titleId }, el("span", { "aria-hidden": "true" }, "⋯ "), el("span", { "data-key": "board.menu" })),
    el("div", { className: "note-menu-body" },
      el("div", { className: "row note-own" },
        button("board.edit", act(() => ctl.edit(id)), { className: "note-edit", "aria-describedby": titleId }),
        button("board.withdraw", act(() => ctl.withdraw(id)), { className: "note-withdraw", "aria-describedby": titleId })),
      el("div", { className: "note-move" },
        el("div", { className: "row note-updown" },
          button("board.move_up", act(() => ctl.step(id, -1)), { className: "note-up", "aria-describedby": titleId }),
          button("board.move_down", act(() => ctl.step(id, 1)), { className: "note-down", "aria-describedby": titleId })),
        el("div", { className: "note-to-section" },
          el("label", { htmlFor: section.id, "data-key": "board.move_to_section" }),
          el("div", { className: "row" }, section,
            button("board.move", act(() => ctl.moveTo(id, section.value)), { className: "note-move-go", "aria-describedby": titleId })))),
      el("div", { className: "note-connect" },
        el("label", { htmlFor: target.id, "data-key": "board.connect_to" }), target,
        el("label", { htmlFor: label.id, "data-key": "board.connect_label" }),
        el("div", { className: "row" }, label,
          button("board.connect", act(async () => { await ctl.connect(id, Number(target.value), label.value.trim()); label.value = ""; }),
            { className: "note-connect-go", "aria-describedby": titleId })),
        el("ul", { className: "note-links" })),
      el("div", { className: "note-staff" },
        el("div", { className: "row" },
          button("board.approve", act(() => ctl.moderate(id, "approve")), { className: "primary note-approve", "aria-describedby": titleId }),
          button("board.reject", act(() => ctl.moderate(id, "reject")), { className: "note-reject", "aria-describedby": titleId }),
          button("board.remove", act(() => ctl.moderate(id, "remove")), { className: "note-remove", "aria-describedby": titleId }),
          button("board.restore", act(() => ctl.moderate(id, "restore")), { className: "note-restore", "aria-describedby": titleId }),
          button("board.highlight", act(() => ctl.highlight(id)), { className: "note-highlight", "aria-pressed": "false", "aria-describedby": titleId })),
        el("label", { htmlFor: grade.id, "data-key": "board.grade_label" }),
        el("div", { className: "row" }, grade,
          button("board.grade_save", act(() => ctl.grade(id, grade.value.trim())), { className: "note-grade-go", "aria-describedby": titleId })))));

  li.append(
    el("p", { className: "note-badges" }),
    el("h4", { className: "note-title", id: titleId }),
    el("div", { className: "note-body" }),
    el("div", { className: "note-attachment" }),
    el("p", { className: "note-link" }),
    el("p", { className: "note-meta" }),
    el("div", { className: "note-bar" }, like, vote, more, el("span", { className: "note-rating" })),
    moreBox, menu,
  );
  return li;
}

function fillContent(li, post, x) {
  li.dataset.colour = PALETTE.has(post.colour) ? post.colour : "white";
  if (!PALETTE.has(post.colour) && /^#[0-9a-f]{3}([0-9a-f]{3})?$/i.test(post.colour)) li.style.setProperty("--note-mark", post.colour);
  const title = li.querySelector(".note-title");
  title.textContent = post.title || "";
  title.classList.toggle("visually-hidden", !post.title);
  if (!post.title) title.textContent = t("board.untitled", { label: postLabel(post) });
  li.querySelector(".note-body").replaceChildren(safeBody(post.body));
  const file = post.attachment;
  const href = attachmentHref(file?.url);
  const holder = li.querySelector(".note-attachment");
  holder.replaceChildren();
  if (file && href && file.kind === "image") {
    const img = el("img", { src: href, alt: t("board.image_alt", { name: file.filename || "" }), loading: "lazy", decoding: "async" });
    if (file.width && file.height) { img.width = file.width; img.height = file.height; }
    holder.append(img);
  } else if (file && href) {
    holder.append(el("a", { href, download: file.filename || "", className: "note-file" },
      el("span", { "aria-hidden": "true" }, "📎 "), file.filename || t("board.file")));
  }
  const link = li.querySelector(".note-link");
  const url = safeHref(post.link?.url);
  link.replaceChildren();
  link.hidden = !url;
  if (url) {
    let host = url;
    try { host = new URL(url).host; } catch { /* shown as it is */ }
    link.append(el("a", { href: url, rel: LINK_REL, target: "_blank" }, post.link.title || host));
    if (post.link.description) link.append(el("span", { className: "note-link-desc" }, post.link.description));
  }
  const who = post.author_name ?? t("board.anonymous_author");
  const meta = [who, formatTime(post.created_at, { dateStyle: "short", timeStyle: "short" })];
  if (post.edited_at) meta.push(t("board.edited"));
  li.querySelector(".note-meta").textContent = meta.join(" · ");
  if (x.layout === "timeline" && post.happened_on) {
    li.querySelector(".note-meta").prepend(el("time", { className: "note-date", datetime: post.happened_on }, dateText(post.happened_on)), " · ");
  }
}

function fillBadges(li, post, x) {
  const badges = [
    post.highlighted && ["highlight", "board.highlighted"],
    post.grade && ["grade", null, t("board.grade_badge", { grade: post.grade })],
    post.status === "pending" && ["pending", x.staff ? "board.pending_staff" : "board.pending"],
    post.status === "rejected" && ["removed", "board.rejected"],
    post.status === "removed" && ["removed", "board.removed"],
    x.mine && ["mine", "board.mine"],
  ].filter(Boolean);
  li.querySelector(".note-badges").replaceChildren(...badges.map(([kind, key, text]) =>
    el("span", { className: `note-badge note-badge-${kind}` }, text ?? t(key))));
  li.classList.toggle("highlighted", post.highlighted);
  li.classList.toggle("gone", post.status !== "published");
}

function fillBar(li, post, x) {
  const open = post.status === "published";
  const r = post.reactions || {};
  const may = open && x.canPost;
  for (const [cls, kind] of [[".note-like", "like"], [".note-vote", "vote"]]) {
    const b = li.querySelector(cls);
    b.querySelector(".note-n").textContent = String(r[kind] ?? 0);
    b.setAttribute("aria-pressed", String(Boolean(x.my[kind])));
    b.disabled = !may;
    b.hidden = !open;
  }
  const more = li.querySelector(".note-open");
  more.hidden = !open;
  more.querySelector(".note-n").textContent = String(x.comments.length);
  li.querySelector(".note-rating").textContent = r.star_avg == null
    ? t("board.no_rating") : t("board.rating", { avg: number(r.star_avg), n: r.star_count });
  li.querySelector(".note-rating").hidden = !open;
  li.querySelectorAll(".note-stars input").forEach((input) => {
    input.checked = Number(input.value) === (x.my.star ?? 0);
    input.disabled = !may;
  });
  li.querySelector(".note-stars").hidden = !open;
  li.querySelector(".note-comment-form").hidden = !may;
  li.querySelector(".note-comment-anon").hidden = !x.board.anonymous_allowed;
  if (!open) li.querySelector(".note-more").hidden = true;
}

function fillComments(li, post, x, ctl) {
  const list = li.querySelector(".note-comments");
  list.replaceChildren(...x.comments.map((c) => {
    const item = el("li", {}, el("strong", {}, c.author_name ?? t("board.anonymous_author")), " ",
      el("span", {}, c.text));
    if (c.mine || x.staff) {
      item.append(" ", button("board.comment_remove", () => ctl.run(() => ctl.removeComment(c.id)), { className: "note-comment-remove" }));
    }
    return item;
  }));
  if (!x.comments.length) list.append(el("li", { className: "muted" }, t("board.no_comments")));
}

function fillMenu(li, post, x) {
  const open = post.status === "published";
  const live = open || post.status === "pending";
  li.querySelector(".note-edit").hidden = !(live && (x.mine || x.staff) && x.canPost);
  li.querySelector(".note-withdraw").hidden = !(live && x.mine && x.canPost);
  li.querySelector(".note-own").hidden = li.querySelector(".note-own").querySelectorAll("button:not([hidden])").length === 0;
  const movable = live && x.canPost && x.layout !== "canvas";
  li.querySelector(".note-move").hidden = !movable;
  li.querySelector(".note-up").disabled = x.index <= 0;
  li.querySelector(".note-down").disabled = x.index >= x.count - 1;
  const section = li.querySelector(".note-to-section");
  section.hidden = x.sections.length < 2;
  const select = section.querySelector("select");
  const sig = JSON.stringify(x.sections);
  if (select.dataset.sig !== sig) {
    select.replaceChildren(...x.sections.map((s) => new Option(s.title, s.id)));
    select.dataset.sig = sig;
  }
  if (document.activeElement !== select) select.value = post.section_id ?? x.sections[0]?.id ?? "";
  const connect = li.querySelector(".note-connect");
  connect.hidden = !(live && x.canPost && x.layout === "canvas");
  const target = connect.querySelector("select");
  const others = x.others.map((p) => [String(p.id), postLabel(p)]);
  const sigOthers = JSON.stringify(others);
  if (target.dataset.sig !== sigOthers) {
    const chosen = target.value;
    target.replaceChildren(...others.map(([value, text]) => new Option(text, value)));
    if (others.some(([value]) => value === chosen)) target.value = chosen;
    target.dataset.sig = sigOthers;
  }
  connect.querySelector(".note-connect-go").disabled = !others.length;
  connect.querySelector(".note-links").replaceChildren(...x.links.map(({ connector, to }) =>
    el("li", {}, `→ ${to} `, button("board.unlink", () => x.unlink(connector.id), { className: "note-unlink" }))));
  const staff = li.querySelector(".note-staff");
  staff.hidden = !x.staff;
  if (x.staff) {
    staff.querySelector(".note-approve").hidden = !["pending", "rejected"].includes(post.status);
    staff.querySelector(".note-reject").hidden = post.status !== "pending";
    staff.querySelector(".note-remove").hidden = !live;
    staff.querySelector(".note-restore").hidden = !["removed", "rejected"].includes(post.status);
    staff.querySelector(".note-highlight").setAttribute("aria-pressed", String(post.highlighted));
    const grade = staff.querySelector("input");
    if (document.activeElement !== grade) grade.value = post.grade ?? "";
  }
  const anything = [...li.querySelectorAll(".note-menu-body > div")].some((d) => !d.hidden);
  li.querySelector(".note-menu").hidden = !anything;
}

/** Fill a note from its post and what the page knows around it; only the parts that changed. */
export function fillNote(li, post, x, ctl) {
  const lang = catalogLanguage(); // the words drawn, not the language being loaded
  const parts = [
    ["content", `${post.version}|${lang}|${x.layout}`, () => fillContent(li, post, x)],
    ["badges", `${post.version}|${lang}|${x.mine}|${x.staff}`, () => fillBadges(li, post, x)],
    ["bar", JSON.stringify([post.status, post.reactions, x.my, x.comments.length, x.canPost, lang, x.board.anonymous_allowed]),
      () => fillBar(li, post, x)],
    ["comments", JSON.stringify([x.comments, x.staff, lang]), () => fillComments(li, post, x, ctl)],
    ["menu", JSON.stringify([post.status, post.section_id, post.highlighted, post.grade, x.mine, x.staff, x.canPost, x.layout,
      x.index, x.count, x.sections, x.others.map((p) => [p.id, postLabel(p)]), x.links.map((l) => [l.connector.id, l.to]), lang]),
    () => fillMenu(li, post, x)],
  ];
  li.fills = li.fills || {};
  for (const [name, sig, fill] of parts) {
    if (li.fills[name] === sig) continue;
    fill();
    li.fills[name] = sig;
  }
  if (li.fills.words !== lang) { words(li); li.fills.words = lang; }
  li.querySelectorAll("[data-key]").forEach((node) => { if (!node.textContent) node.textContent = t(node.dataset.key); });
}
