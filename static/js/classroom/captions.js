// Live captions from the captioner (속기사): final lines in a log, the line being typed as a
// draft, corrections applied in place, an optional overlay on the video, adjustable size,
// and the transcript to download.

const $ = (id) => document.getElementById(id);
const SIZE = "baeum.caption-size";

export class Captions {
  constructor(live, classId) {
    this.lines = new Map(); // caption id → <li>
    this.size = Number(localStorage.getItem(SIZE)) || 1.1;
    $("transcript-txt").href = `/api/v1/class-sessions/${classId}/transcript?format=txt`;
    $("transcript-vtt").href = `/api/v1/class-sessions/${classId}/transcript?format=vtt`;
    $("caption-smaller").addEventListener("click", () => this.resize(-0.15));
    $("caption-larger").addEventListener("click", () => this.resize(0.15));
    $("caption-overlay-toggle").addEventListener("change", (e) => { $("captions-overlay").hidden = !e.target.checked; });
    this.resize(0);
    live.on("caption", (event) => this.add(event));
    live.on("caption_draft", ({ text }) => { $("caption-draft").textContent = text; this.overlay(text); });
    live.on("caption_corrected", ({ id, text }) => this.correct(id, text));
  }

  resize(step) {
    this.size = Math.min(2.4, Math.max(0.8, this.size + step));
    localStorage.setItem(SIZE, String(this.size));
    document.documentElement.style.setProperty("--caption-size", `${this.size}rem`);
  }

  add(event) {
    if (this.lines.has(event.id)) return;
    const item = document.createElement("li");
    item.textContent = event.payload.text;
    this.lines.set(event.id, item);
    const log = $("caption-log");
    log.append(item);
    log.parentElement.scrollTop = log.parentElement.scrollHeight;
    $("caption-draft").textContent = "";
    this.overlay(event.payload.text);
  }

  correct(id, text) {
    const item = this.lines.get(id);
    if (item) item.textContent = text;
  }

  overlay(text) { $("captions-overlay").textContent = text; }

  addAll(events) { events.forEach((e) => this.add(e)); }
}
