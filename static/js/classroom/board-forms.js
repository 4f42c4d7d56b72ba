// The board's two dialogs: writing a post (title, text with a little markup, a link, a colour,
// its section or date, anonymity where the board allows it, a photo or a file uploaded at once)
// and editing one. An edit is made from the version the person started from; if someone
// changed the post meanwhile the server refuses it with the current post, and the dialog says
// so, shows their version and offers "use theirs" or "apply mine again" (on top of theirs).

import { t } from "/static/js/i18n.js";
import { el, htmlToText, safeBody, safeHref, textToHtml } from "./board-html.js";

const $ = (id) => document.getElementById(id);
const COLOURS = ["yellow", "pink", "blue", "green", "orange", "purple", "white", "grey"];

function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

/** Show a message in a form's status line (role=status): plain, or an error. */
function status(holder, text, error = false) {
  holder.replaceChildren(...(text ? [el("p", { className: error ? "notice error" : "notice" }, text)] : []));
}

function colourChoices(holder, name) {
  holder.replaceChildren(el("legend", { "data-i18n": "board.colour" }, t("board.colour")), ...COLOURS.map((colour) =>
    el("label", { className: "check board-swatch" }, el("input", { type: "radio", name, value: colour, checked: colour === "yellow" }),
      el("span", { className: "board-chip", "aria-hidden": "true" }), el("span", { "data-i18n": `board.colour_${colour}` }, t(`board.colour_${colour}`)))));
  holder.querySelectorAll(".board-chip").forEach((chip, n) => { chip.dataset.colour = COLOURS[n]; });
}

function chosenColour(name) {
  return document.querySelector(`input[name="${name}"]:checked`)?.value ?? "yellow";
}

function setColour(name, colour) {
  const input = document.querySelector(`input[name="${name}"][value="${COLOURS.includes(colour) ? colour : "yellow"}"]`);
  if (input) input.checked = true;
}

/** The formatting buttons over a text box: they add the little markup around the selection. */
function toolbar(box) {
  box.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-do]");
    if (!b) return;
    const area = $(b.dataset.for);
    const [from, to] = [area.selectionStart, area.selectionEnd];
    const chosen = area.value.slice(from, to);
    let text;
    let select;
    if (b.dataset.do === "bold" || b.dataset.do === "italic") {
      const mark = b.dataset.do === "bold" ? "**" : "*";
      text = `${mark}${chosen || t("board.sample_text")}${mark}`;
      select = [from + mark.length, from + text.length - mark.length];
    } else if (b.dataset.do === "list") {
      text = (chosen || t("board.sample_text")).split("\n").map((line) => `- ${line.replace(/^\s*[-*•]\s+/, "")}`).join("\n");
      if (from > 0 && area.value[from - 1] !== "\n") text = `\n${text}`;
      select = [from + text.length, from + text.length];
    } else {
      text = `[${chosen || t("board.sample_link")}](https://)`;
      select = [from + text.length - 9, from + text.length - 1];
    }
    area.setRangeText(text, from, to, "end");
    area.focus();
    area.setSelectionRange(...select);
  });
}

export class BoardForms {
  constructor(ctl) {
    this.ctl = ctl;
    this.attachment = null;
    this.sending = false;
    this.editing = null; // { post, base, sent }
    colourChoices($("board-c-colours"), "board-c-colour");
    colourChoices($("board-e-colours"), "board-e-colour");
    document.querySelectorAll(".board-toolbar").forEach(toolbar);
    $("board-compose-form").addEventListener("submit", (e) => { e.preventDefault(); this.submit(); });
    $("board-c-cancel").addEventListener("click", () => $("board-compose").close());
    for (const input of [$("board-c-file"), $("board-c-camera")]) {
      input.addEventListener("change", () => { const file = input.files?.[0]; input.value = ""; if (file) this.upload(file); });
    }
    $("board-c-unattach").addEventListener("click", () => this.attach(null));
    $("board-c-link").addEventListener("change", () => this.preview());
    $("board-edit-form").addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    $("board-e-cancel").addEventListener("click", () => $("board-edit").close());
    $("board-e-use-theirs").addEventListener("click", () => this.useTheirs());
    $("board-e-mine-again").addEventListener("click", () => this.save(true));
    $("board-edit").addEventListener("close", () => { this.editing = null; });
  }

  // ---- a new post ---------------------------------------------------------------------------

  compose(board, sectionId, spot) {
    const form = $("board-compose-form");
    this.board = board;
    this.spot = spot;
    const sections = ["wall", "grid", "columns"].includes(board.layout) ? board.sections : [];
    $("board-c-section-row").hidden = sections.length === 0;
    $("board-c-section").replaceChildren(...sections.map((s) => new Option(s.title, s.id)));
    if (sections.length) $("board-c-section").value = sectionId ?? sections[0].id;
    $("board-c-date-row").hidden = board.layout !== "timeline";
    if (!$("board-c-date").value) $("board-c-date").value = today();
    $("board-c-anon-row").hidden = !board.anonymous_allowed;
    if (!board.anonymous_allowed) $("board-c-anon").checked = false;
    status($("board-c-status"), "");
    $("board-compose").showModal();
    form.querySelector("#board-c-title").focus();
  }

  async upload(file) {
    const holder = $("board-c-status");
    status(holder, t("board.uploading", { name: file.name }));
    $("board-c-send").disabled = true;
    try {
      this.attach(await this.ctl.upload(file));
      status(holder, t("board.uploaded", { name: file.name }));
    } catch (error) {
      status(holder, this.ctl.uploadProblem(error), true);
    } finally {
      $("board-c-send").disabled = false;
    }
  }

  attach(answer) {
    this.attachment = answer;
    const shown = $("board-c-attached-what");
    shown.replaceChildren();
    $("board-c-attached").hidden = !answer;
    if (!answer) return;
    if (answer.kind === "image") {
      shown.append(el("img", { src: answer.url, alt: t("board.image_alt", { name: answer.filename }) }));
    }
    shown.append(el("span", {}, answer.filename));
  }

  /** The pasted link's title and description, fetched by the server (it refuses addresses
   * inside the network); without one the link is sent plain. */
  async preview() {
    const url = $("board-c-link").value.trim();
    const shown = $("board-c-preview");
    this.linkPreview = null;
    shown.hidden = true;
    if (!safeHref(url)) return;
    try {
      const found = await this.ctl.live.call("board_preview", { url });
      if ($("board-c-link").value.trim() !== url || !found.title) return;
      this.linkPreview = { url, title: found.title, description: found.description ?? undefined };
      shown.textContent = t("board.link_preview", { title: found.title });
      shown.hidden = false;
    } catch {
      // no preview: the link stays a plain link
    }
  }

  async submit() {
    if (this.sending) return;
    const title = $("board-c-title").value.trim();
    const text = $("board-c-text").value.trim();
    const url = $("board-c-link").value.trim();
    const holder = $("board-c-status");
    if (!title && !text && !url && !this.attachment) { status(holder, t("board.empty_post"), true); return; }
    if (url && !safeHref(url)) { status(holder, t("board.bad_link"), true); $("board-c-link").focus(); return; }
    const board = this.board;
    const payload = { board_id: board.id, title, body: textToHtml(text), colour: chosenColour("board-c-colour"),
      anonymous: board.anonymous_allowed && $("board-c-anon").checked };
    if (!$("board-c-section-row").hidden) payload.section_id = $("board-c-section").value;
    if (board.layout === "timeline" && $("board-c-date").value) payload.happened_on = $("board-c-date").value;
    if (board.layout === "canvas" && this.spot) Object.assign(payload, this.spot);
    if (url) payload.link = this.linkPreview?.url === url ? { ...this.linkPreview } : { url };
    if (this.attachment) payload.attachment_id = this.attachment.id;
    this.sending = true;
    $("board-c-send").disabled = true;
    status(holder, t("board.sending"));
    try {
      const outcome = await this.ctl.post(payload);
      $("board-compose-form").reset();
      setColour("board-c-colour", payload.colour);
      this.attach(null);
      this.linkPreview = null;
      $("board-c-preview").hidden = true;
      status(holder, "");
      $("board-compose").close();
      this.ctl.posted(outcome);
    } catch (error) {
      status(holder, this.ctl.problem(error), true);
    } finally {
      this.sending = false;
      $("board-c-send").disabled = false;
    }
  }

  // ---- editing a post -----------------------------------------------------------------------

  edit(post, layout) {
    const original = { title: post.title, text: htmlToText(post.body), url: post.link?.url ?? "", colour: post.colour,
      date: post.happened_on ?? "" };
    this.editing = { id: post.id, base: post.version, original };
    $("board-e-title").value = original.title;
    $("board-e-text").value = original.text;
    $("board-e-link").value = original.url;
    setColour("board-e-colour", original.colour);
    $("board-e-date-row").hidden = layout !== "timeline";
    $("board-e-date").value = original.date;
    $("board-e-conflict").hidden = true;
    status($("board-e-status"), "");
    $("board-edit").showModal();
    $("board-e-title").focus();
  }

  /** Only what this person changed is sent (the rest stays as whoever else left it). */
  changes() {
    const { original } = this.editing;
    const now = { title: $("board-e-title").value.trim(), text: $("board-e-text").value.trim(), url: $("board-e-link").value.trim(),
      colour: chosenColour("board-e-colour"), date: $("board-e-date").value };
    const sent = {};
    if (now.title !== original.title) sent.title = now.title;
    if (now.text !== original.text) sent.body = textToHtml(now.text);
    if (now.url !== original.url) sent.link = now.url ? { url: now.url } : null;
    if (now.colour !== original.colour) sent.colour = now.colour;
    if (!$("board-e-date-row").hidden && now.date !== original.date && now.date) sent.happened_on = now.date;
    return sent;
  }

  async save(again = false) {
    if (!this.editing || this.sending) return;
    const holder = $("board-e-status");
    const sent = this.changes();
    if (sent.link?.url && !safeHref(sent.link.url)) { status(holder, t("board.bad_link"), true); return; }
    if (!Object.keys(sent).length) { $("board-edit").close(); return; }
    this.sending = true;
    status(holder, t("board.sending"));
    try {
      const post = await this.ctl.saveEdit({ post_id: this.editing.id, version: this.editing.base, ...sent });
      status(holder, "");
      $("board-edit").close();
      this.ctl.say(t(again ? "board.saved_again" : "board.saved"));
      this.ctl.focusNote(post.id);
    } catch (error) {
      if (error.type === "edit-conflict" && error.error?.current) this.conflict(error.error.current);
      else status(holder, this.ctl.problem(error), true);
    } finally {
      this.sending = false;
    }
  }

  /** Someone else changed the post first: say so, show theirs, let the person choose. */
  conflict(current) {
    this.ctl.upsert(current);
    this.editing.base = current.version;
    this.editing.current = current;
    status($("board-e-status"), "");
    const theirs = $("board-e-theirs");
    theirs.replaceChildren(
      el("p", { className: "board-theirs-who" }, t("board.theirs_version", { version: current.version })),
      ...(current.title ? [el("p", { className: "board-theirs-title" }, current.title)] : []),
      el("div", { className: "board-theirs-body" }, safeBody(current.body)));
    $("board-e-conflict-text").textContent = t("board.conflict");
    $("board-e-conflict").hidden = false;
    $("board-e-mine-again").focus();
  }

  useTheirs() {
    const id = this.editing?.id;
    $("board-edit").close();
    this.ctl.say(t("board.kept_theirs"));
    if (id) this.ctl.focusNote(id);
  }
}
