// What the post-it board puts on the page, made safe. A post's body is HTML written by a
// trainee: the server cleans it (nh3), and the page cleans it again here, never trusting
// either alone. The body is parsed in an inert document (DOMParser: no script runs, nothing
// loads) and only the allowed tags are rebuilt, as new elements with no attributes but a
// checked link. Everything else a person wrote (titles, names, comments, link titles) is set as
// text. The little markup a person types in the posting form (**bold**, *italic*, "- " lists,
// [text](https://…)) becomes HTML only after the text is escaped.

const ALLOWED = new Set(["p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "code", "blockquote"]);
const HTML_NS = "http://www.w3.org/1999/xhtml";
const MAX_DEPTH = 30;
export const LINK_REL = "noopener noreferrer nofollow";

/** An element: props set as properties (a few) or attributes; children appended as nodes or text. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (["className", "type", "id", "hidden", "value", "name", "checked", "disabled", "htmlFor", "title"].includes(name)) {
      node[name] = value;
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** An http(s) (or, for a body's links, mailto) address as the browser will read it, or null. */
export function safeHref(value, { mailto = false } = {}) {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (!/^(https?:\/\/|mailto:)/i.test(text) || /[\s\u0000-\u001f\u007f]/.test(text)) return null;
  let url;
  try { url = new URL(text); } catch { return null; }
  if (url.protocol === "http:" || url.protocol === "https:") return url.host ? url.href : null;
  return mailto && url.protocol === "mailto:" ? url.href : null;
}

/** An attachment's address: only the server's own attachment route. */
export function attachmentHref(value) {
  return typeof value === "string" && /^\/api\/v1\/board-attachments\/\d+$/.test(value) ? value : null;
}

function rebuild(from, to, depth) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(document.createTextNode(node.data));
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE || node.namespaceURI !== HTML_NS) continue; // svg, math, comments: gone
    const tag = node.localName;
    if (!ALLOWED.has(tag) || depth > MAX_DEPTH) {
      // a harmless wrapper keeps its words; anything that runs, styles or embeds goes whole
      if (!["script", "style", "template", "iframe", "object", "embed", "noscript", "noembed", "noframes",
        "textarea", "title", "xmp", "select", "option", "frameset", "frame", "head", "meta", "link", "base"].includes(tag)) {
        rebuild(node, to, depth + 1);
      }
      continue;
    }
    const copy = document.createElement(tag);
    if (tag === "a") {
      const href = safeHref(node.getAttribute("href"), { mailto: true });
      if (href) {
        copy.setAttribute("href", href);
        copy.setAttribute("rel", LINK_REL);
        copy.setAttribute("target", "_blank");
      }
    }
    if (tag !== "br") rebuild(node, copy, depth + 1);
    to.append(copy);
  }
}

/** A post's body (sanitised HTML from the server) as nodes that cannot run anything. */
export function safeBody(html) {
  const fragment = document.createDocumentFragment();
  if (typeof html !== "string" || !html) return fragment;
  const parsed = new DOMParser().parseFromString(html, "text/html");
  rebuild(parsed.body, fragment, 0);
  return fragment;
}

function escape(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** One escaped line with the form's little markup: **bold**, *italic*, [text](https://…). */
function inline(line) {
  return escape(line)
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s()]+)\)/g, (whole, label, url) => `<a href="${url}">${label}</a>`)
    .replace(/\*\*(?=\S)(.+?)\*\*/g, "<strong>$1</strong>")
    .replace(/(^|[^*])\*(?=[^\s*])([^*\n]+?)\*(?!\*)/g, "$1<em>$2</em>");
}

/** What a person typed, as the simple HTML a post's body is: paragraphs, lines and lists. */
export function textToHtml(text) {
  const blocks = String(text).replace(/\r\n?/g, "\n").trim().split(/\n\s*\n/);
  return blocks.filter((b) => b.trim()).map((block) => {
    const lines = block.split("\n");
    const out = [];
    let list = [];
    const flush = () => { if (list.length) out.push(`<ul>${list.map((l) => `<li>${inline(l)}</li>`).join("")}</ul>`); list = []; };
    let para = [];
    const flushPara = () => { if (para.length) out.push(`<p>${para.map(inline).join("<br>")}</p>`); para = []; };
    for (const line of lines) {
      const item = /^\s*[-*•]\s+(.*)$/.exec(line);
      if (item) { flushPara(); list.push(item[1]); } else { flush(); para.push(line); }
    }
    flush();
    flushPara();
    return out.join("");
  }).join("");
}

function textOf(node, out) {
  for (const child of node.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) { out.push(child.data); continue; }
    if (child.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = child.localName;
    const inner = () => { const parts = []; textOf(child, parts); return parts.join(""); };
    if (tag === "br") out.push("\n");
    else if (tag === "strong" || tag === "b") out.push(`**${inner()}**`);
    else if (tag === "em" || tag === "i") out.push(`*${inner()}*`);
    else if (tag === "a" && child.getAttribute("href")) out.push(`[${inner()}](${child.getAttribute("href")})`);
    else if (tag === "li") out.push(`- ${inner().trim()}\n`);
    else if (tag === "p" || tag === "blockquote") out.push(`${inner().trim()}\n\n`);
    else if (tag === "ul" || tag === "ol") out.push(`${inner()}\n`);
    else out.push(inner());
  }
}

/** A post's body back as the form's text (its links and emphasis as the little markup). */
export function htmlToText(html) {
  const holder = document.createElement("div");
  holder.append(safeBody(html));
  const out = [];
  textOf(holder, out);
  return out.join("").replace(/\n{3,}/g, "\n\n").trim();
}

export function newRequestId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}
