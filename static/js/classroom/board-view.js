// The board's surface in each layout: wall (notes of any height, in rows), grid (equal tiles),
// columns (one per section, each with its own "add" button), canvas (notes placed anywhere,
// dragged with Pointer Events, mouse and touch alike, or moved by arrow keys; arrows between
// notes drawn in SVG) and timeline (by date). Sections show as blocks; a note moves to another
// section or up and down by dragging, or by its menu (drag alone is not accessible).

import { catalogLanguage, t } from "/static/js/i18n.js";
import { el } from "./board-html.js";
import { buildNote, dateText, fillNote, postLabel } from "./board-note.js";

const SVG = "http://www.w3.org/2000/svg";
const STEP = 20;
const BIG_STEP = 100;
const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
const CANVAS_MIN = { width: 1600, height: 1000 };
const NOTE_W = 224;
const MAX_XY = 10000;

/** Put rows in a list in order, moving only what moved (and keeping the keyboard's place). */
function arrange(list, rows) {
  const same = rows.length === list.children.length && rows.every((row, n) => list.children[n] === row);
  if (same) return;
  const focused = list.contains(document.activeElement) ? document.activeElement : null;
  list.replaceChildren(...rows);
  if (focused?.isConnected) focused.focus({ preventScroll: true });
}

function byRank(a, b) { return a.rank - b.rank || a.id - b.id; }

function byDate(a, b) {
  if (a.happened_on !== b.happened_on) {
    if (!a.happened_on) return 1;
    if (!b.happened_on) return -1;
    return a.happened_on < b.happened_on ? -1 : 1;
  }
  return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id;
}

/** Where a pointer over a list of notes (in rows) would drop: the index among the others. */
function dropIndex(list, x, y, dragged) {
  const others = [...list.children].filter((c) => c !== dragged && c.classList.contains("note"));
  for (let n = 0; n < others.length; n += 1) {
    const r = others[n].getBoundingClientRect();
    if (y < r.top || (y <= r.bottom && x < r.left + r.width / 2)) return n;
  }
  return others.length;
}

/** Where the segment from a box's centre toward (x, y) leaves the box. */
function edge(box, x, y) {
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const dx = x - cx;
  const dy = y - cy;
  if (!dx && !dy) return [cx, cy];
  const scale = Math.min(dx ? (box.w / 2) / Math.abs(dx) : Infinity, dy ? (box.h / 2) / Math.abs(dy) : Infinity);
  return [cx + dx * Math.min(scale, 1), cy + dy * Math.min(scale, 1)];
}

export class BoardView {
  constructor(surface, ctl) {
    this.surface = surface;
    this.ctl = ctl;
    this.notes = new Map(); // post id → <li>
    this.skeletonSig = null;
    this.lists = new Map(); // section id ("" without sections) → <ul>
    this.dragging = null;
    this.state = null;
  }

  clear() {
    this.notes.clear();
    this.skeletonSig = null;
    this.lists.clear();
    this.surface.replaceChildren();
  }

  sectionOf(post, sections) {
    if (!sections.length) return "";
    return sections.some((s) => s.id === post.section_id) ? post.section_id : sections[0].id;
  }

  /** The whole surface again from the state (notes are kept; only what changed is redone). */
  render(s) {
    this.state = s;
    const { board } = s;
    const layout = board.layout;
    const sectioned = ["wall", "grid", "columns"].includes(layout) && board.sections.length > 0;
    const sections = sectioned ? board.sections : [];
    this.skeleton(layout, sections, s.canPost);
    this.surface.dataset.layout = layout;
    const groups = new Map([...this.lists.keys()].map((k) => [k, []]));
    const posts = [...s.posts].sort(layout === "timeline" ? byDate : byRank);
    for (const post of posts) groups.get(layout === "canvas" || layout === "timeline" ? "" : this.sectionOf(post, sections))?.push(post);
    const shown = new Set(posts.map((p) => p.id));
    for (const id of [...this.notes.keys()]) if (!shown.has(id)) this.notes.delete(id);
    const titles = new Map(posts.map((p) => [p.id, postLabel(p)]));
    const live = posts.filter((p) => ["published", "pending"].includes(p.status));
    for (const [key, group] of groups) {
      const movable = group.filter((p) => ["published", "pending"].includes(p.status));
      const rows = group.map((post) => {
        let li = this.notes.get(post.id);
        if (!li) { li = this.build(post.id); this.notes.set(post.id, li); }
        const mine = s.mine.has(post.id);
        fillNote(li, post, {
          board, staff: s.staff, canPost: s.canPost, mine, my: s.my.get(post.id) ?? {},
          comments: s.comments.get(post.id) ?? [], layout, sections,
          movable: layout !== "canvas" && layout !== "timeline",
          index: movable.indexOf(post), count: movable.length,
          others: layout === "canvas" ? live.filter((p) => p.id !== post.id) : [],
          links: layout === "canvas" ? s.connectors.filter((c) => c.from_post_id === post.id && titles.has(c.to_post_id))
            .map((c) => ({ connector: c, to: titles.get(c.to_post_id) })) : [],
          unlink: (id) => this.ctl.run(() => this.ctl.unlink(id)),
        }, this.ctl);
        const movableHere = s.canPost && ["published", "pending"].includes(post.status);
        li.draggable = movableHere && ["wall", "grid", "columns"].includes(layout);
        if (layout === "canvas") {
          li.tabIndex = 0;
          li.setAttribute("aria-describedby", "board-canvas-hint");
        } else {
          li.removeAttribute("tabindex");
          li.removeAttribute("aria-describedby");
        }
        li.style.touchAction = layout === "canvas" && movableHere ? "none" : "";
        if (layout === "canvas") this.place(li, post);
        else { li.style.left = ""; li.style.top = ""; }
        return li;
      });
      arrange(this.lists.get(key), rows);
      if (layout === "timeline") this.dates(this.lists.get(key), group);
    }
    if (layout === "canvas") this.canvasSize();
    this.drawLinks();
  }

  // ---- the frame of each layout -----------------------------------------------------------

  skeleton(layout, sections, canPost) {
    // the words drawn (not the language still loading): drawn again once they arrive
    const sig = JSON.stringify([layout, sections, canPost, catalogLanguage()]);
    if (sig === this.skeletonSig) return;
    this.skeletonSig = sig;
    for (const li of this.notes.values()) li.remove();
    this.lists.clear();
    const list = (key, tag = "ul", label = null) => {
      const ul = el(tag, { className: "board-notes", ...(label ? { "aria-labelledby": label } : { "aria-label": t("board.notes") }) });
      ul.dataset.section = key;
      this.lists.set(key, ul);
      this.droppable(ul, key);
      return ul;
    };
    if (layout === "canvas") {
      this.svg = document.createElementNS(SVG, "svg");
      this.svg.setAttribute("class", "board-links");
      this.svg.setAttribute("aria-hidden", "true");
      const defs = document.createElementNS(SVG, "defs");
      const marker = document.createElementNS(SVG, "marker");
      Object.entries({ id: "board-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" })
        .forEach(([k, v]) => marker.setAttribute(k, v));
      const tip = document.createElementNS(SVG, "path");
      tip.setAttribute("d", "M0 0 L10 5 L0 10 z");
      marker.append(tip);
      defs.append(marker);
      this.svg.append(defs);
      this.canvas = el("div", { className: "board-canvas" }, this.svg, list(""));
      this.surface.replaceChildren(el("p", { className: "muted board-hint", id: "board-canvas-hint" }, t("board.canvas_hint")),
        el("div", { className: "board-canvas-scroll", role: "region", tabindex: "0", "aria-label": t("board.canvas") }, this.canvas));
      return;
    }
    this.svg = null;
    this.canvas = null;
    if (!sections.length) {
      this.surface.replaceChildren(list("", layout === "timeline" ? "ol" : "ul"));
      return;
    }
    const blocks = sections.map((section, n) => {
      const headingId = `board-sec-${n}`;
      const add = el("button", { type: "button", className: "board-add-here", hidden: !canPost },
        el("span", { "aria-hidden": "true" }, "+"), t("board.add"), el("span", { className: "visually-hidden" }, ` (${section.title})`));
      add.addEventListener("click", () => this.ctl.compose(section.id));
      return el("section", { className: layout === "columns" ? "board-section board-column" : "board-section", "aria-labelledby": headingId },
        el("div", { className: "board-section-head" }, el("h4", { id: headingId }, section.title), add), list(section.id, "ul", headingId));
    });
    this.surface.replaceChildren(el("div", { className: layout === "columns" ? "board-columns" : "board-sections" }, ...blocks));
  }

  dates(list, posts) {
    // a date line above the first note of each day (timeline)
    let last = null;
    for (const post of posts) {
      const li = this.notes.get(post.id);
      const day = post.happened_on ?? "";
      li.classList.toggle("new-day", day !== last);
      li.dataset.day = day ? dateText(day) : t("board.no_date");
      last = day;
    }
  }

  build(id) {
    const li = buildNote(id, this.ctl);
    li.addEventListener("dragstart", (e) => {
      if (e.target !== li) return;
      e.dataTransfer.setData("text/plain", `#${id}`);
      e.dataTransfer.effectAllowed = "move";
      this.dragging = id;
      li.classList.add("dragging");
    });
    li.addEventListener("dragend", () => { this.dragging = null; li.classList.remove("dragging"); this.marks(); });
    li.addEventListener("keydown", (e) => this.key(e, id, li));
    li.addEventListener("pointerdown", (e) => this.grab(e, id, li));
    return li;
  }

  // ---- sections: drag and drop ---------------------------------------------------------------

  droppable(ul, key) {
    ul.addEventListener("dragover", (e) => {
      if (this.dragging === null) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      this.marks(ul);
    });
    ul.addEventListener("dragleave", (e) => { if (!ul.contains(e.relatedTarget)) ul.classList.remove("drop-here"); });
    ul.addEventListener("drop", (e) => {
      if (this.dragging === null) return;
      e.preventDefault();
      const id = this.dragging;
      const index = dropIndex(ul, e.clientX, e.clientY, this.notes.get(id));
      this.dragging = null;
      this.marks();
      this.ctl.run(() => this.ctl.moveTo(id, key || null, index));
    });
  }

  marks(over = null) {
    for (const ul of this.lists.values()) ul.classList.toggle("drop-here", ul === over);
  }

  // ---- canvas: place, drag, arrow keys, arrows between notes ---------------------------------

  position(post) {
    const local = this.ctl.placing?.get(post.id);
    if (local) return local;
    if (post.x != null && post.y != null) return { x: post.x, y: post.y };
    const n = [...this.notes.keys()].indexOf(post.id);
    return { x: 24 + (n % 5) * (NOTE_W + 24), y: 24 + Math.floor(n / 5) * 240 };
  }

  place(li, post) {
    const { x, y } = this.position(post);
    li.style.left = `${x}px`;
    li.style.top = `${y}px`;
  }

  /** Where a new note fits on the canvas: the first free place in view, row by row. */
  freeSpot() {
    const scroller = this.surface.querySelector(".board-canvas-scroll");
    const left = scroller?.scrollLeft ?? 0;
    const top = scroller?.scrollTop ?? 0;
    const across = Math.max(1, Math.floor((scroller?.clientWidth ?? NOTE_W * 3) / (NOTE_W + 24)));
    const boxes = [...this.notes.values()].map((li) => [li.offsetLeft, li.offsetTop, li.offsetWidth, li.offsetHeight]);
    const free = (x, y) => !boxes.some(([bx, by, bw, bh]) => x < bx + bw + 12 && bx < x + NOTE_W + 12 && y < by + bh + 12 && by < y + 160);
    for (let row = 0; row < 40; row += 1) {
      for (let col = 0; col < across; col += 1) {
        const spot = { x: left + 24 + col * (NOTE_W + 24), y: top + 24 + row * 200 };
        if (free(spot.x, spot.y)) return spot;
      }
    }
    return { x: left + 24, y: top + 24 };
  }

  canvasSize() {
    let width = CANVAS_MIN.width;
    let height = CANVAS_MIN.height;
    for (const li of this.notes.values()) {
      width = Math.max(width, li.offsetLeft + li.offsetWidth + 400);
      height = Math.max(height, li.offsetTop + li.offsetHeight + 400);
    }
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.svg.setAttribute("width", String(width));
    this.svg.setAttribute("height", String(height));
  }

  movable(id) {
    const post = this.state?.posts.find((p) => p.id === id);
    return Boolean(post && this.state.canPost && ["published", "pending"].includes(post.status));
  }

  key(e, id, li) {
    if (this.state?.board.layout !== "canvas" || e.target !== li || !ARROWS[e.key] || !this.movable(id)) return;
    e.preventDefault();
    const [dx, dy] = ARROWS[e.key];
    const step = e.shiftKey ? BIG_STEP : STEP;
    const x = Math.min(MAX_XY, Math.max(0, li.offsetLeft + dx * step));
    const y = Math.min(MAX_XY, Math.max(0, li.offsetTop + dy * step));
    li.style.left = `${x}px`;
    li.style.top = `${y}px`;
    li.scrollIntoView({ block: "nearest", inline: "nearest" });
    this.drawLinks();
    this.ctl.place(id, x, y);
  }

  grab(e, id, li) {
    if (this.state?.board.layout !== "canvas" || e.button !== 0 || !this.movable(id)) return;
    if (e.target.closest("button, a, input, select, textarea, summary, label, .note-menu-body, .note-more")) return;
    const start = { x: e.clientX, y: e.clientY, left: li.offsetLeft, top: li.offsetTop };
    let moved = false;
    let at = null;
    li.setPointerCapture(e.pointerId);
    const move = (ev) => {
      const dx = ev.clientX - start.x;
      const dy = ev.clientY - start.y;
      if (!moved && Math.hypot(dx, dy) < 4) return;
      moved = true;
      li.classList.add("dragging");
      at = { x: Math.round(Math.min(MAX_XY, Math.max(0, start.left + dx))), y: Math.round(Math.min(MAX_XY, Math.max(0, start.top + dy))) };
      li.style.left = `${at.x}px`;
      li.style.top = `${at.y}px`;
      this.drawLinks();
    };
    const done = () => {
      li.removeEventListener("pointermove", move);
      li.removeEventListener("pointerup", done);
      li.removeEventListener("pointercancel", done);
      li.classList.remove("dragging");
      if (moved && at) { this.ctl.place(id, at.x, at.y); this.canvasSize(); }
    };
    li.addEventListener("pointermove", move);
    li.addEventListener("pointerup", done);
    li.addEventListener("pointercancel", done);
  }

  drawLinks() {
    if (!this.svg || !this.state) return;
    const box = (id) => {
      const li = this.notes.get(id);
      return li?.isConnected ? { x: li.offsetLeft, y: li.offsetTop, w: li.offsetWidth, h: li.offsetHeight } : null;
    };
    const lines = [];
    for (const c of this.state.connectors) {
      const [a, b] = [box(c.from_post_id), box(c.to_post_id)];
      if (!a || !b) continue;
      const [x1, y1] = edge(a, b.x + b.w / 2, b.y + b.h / 2);
      const [x2, y2] = edge(b, a.x + a.w / 2, a.y + a.h / 2);
      const line = document.createElementNS(SVG, "line");
      Object.entries({ x1, y1, x2, y2, "marker-end": "url(#board-arrow)" }).forEach(([k, v]) => line.setAttribute(k, String(v)));
      const g = document.createElementNS(SVG, "g");
      g.dataset.connector = String(c.id);
      g.append(line);
      if (c.label) {
        const label = document.createElementNS(SVG, "text");
        label.setAttribute("x", String((x1 + x2) / 2));
        label.setAttribute("y", String((y1 + y2) / 2 - 6));
        label.setAttribute("text-anchor", "middle");
        label.textContent = c.label;
        g.append(label);
      }
      lines.push(g);
    }
    this.svg.replaceChildren(this.svg.querySelector("defs"), ...lines);
  }
}
