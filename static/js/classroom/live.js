// The live-class connection: socket.io to the /class namespace, every call answered by an
// acknowledgement, and a reconnect that comes back to the same place. A phone that loses its
// network (a call, a tunnel, Wi-Fi to mobile data) shows "reconnecting" at once, then joins
// again with the last event it saw, so nothing said meanwhile is missed; the server bridges
// the gap in attendance.

import { api } from "/static/js/api.js";

const CALL_TIMEOUT_MS = 15000;

export class CallError extends Error {
  constructor(error) {
    super(error.detail || error.type);
    this.type = error.type;
    this.error = error;
  }
}

function clientId() {
  const key = "baeum.client";
  let id = sessionStorage.getItem(key);
  if (!id) {
    id = crypto.randomUUID ? crypto.randomUUID().replaceAll("-", "") : String(Math.random()).slice(2);
    sessionStorage.setItem(key, id);
  }
  return id;
}

function networkType() {
  const type = navigator.connection && navigator.connection.type;
  return ["wifi", "cellular", "ethernet", "none", "other"].includes(type) ? type : undefined;
}

export class LiveClass extends EventTarget {
  constructor(classId) {
    super();
    this.classId = classId;
    this.grant = null; // the class token and ICE servers
    this.lastEventId = null;
    this.joins = 0;
    this.leaving = false;
    this.socket = null;
  }

  /** A fresh class token when the one held is close to expiry (tokens last minutes). */
  async token() {
    // Timed by this device's own clock from when the token came (device clocks can be wrong).
    if (!this.grant || performance.now() > this.grantStale) {
      const started = performance.now();
      this.grant = await api("POST", `/api/v1/class-sessions/${this.classId}/class-token`);
      const lifetime = new Date(this.grant.expires_at) - new Date(this.grant.issued_at);
      this.grantStale = started + Math.max(0, lifetime - 60000);
    }
    return this.grant;
  }

  /** Connect and join; resolves with the class state, rejects with the refusal. */
  async open() {
    await this.token();
    const socket = io("/class", {
      transports: ["websocket"],
      auth: (send) => {
        this.token().then((grant) => send({ token: grant.token, client_id: clientId(),
          network_type: networkType() }))
          .catch(() => send({ client_id: clientId() }));
      },
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    socket.onAny((event, data) => {
      if (data && typeof data.id === "number") this.lastEventId = Math.max(this.lastEventId ?? 0, data.id);
      this.dispatchEvent(new CustomEvent(event, { detail: data }));
    });
    socket.on("disconnect", (reason) => {
      if (this.leaving) return;
      this.dispatchEvent(new CustomEvent("connection", { detail: { state: "reconnecting", reason } }));
      if (reason === "io server disconnect") socket.connect(); // e.g. after a server restart
    });
    socket.on("connect", () => { if (this.joins > 0) this.rejoin(); });
    socket.on("connect_error", (error) => { // a refusal while coming back: socket.io stops there
      if (this.joins === 0 || !error.data) return; // (network errors retry by themselves)
      if (error.data.type === "not-authenticated") { // a token that lapsed while away
        this.grant = null;
        setTimeout(() => socket.connect(), 1000);
      } else {
        this.dispatchEvent(new CustomEvent("refused", { detail: new CallError(error.data) }));
      }
    });
    socket.io.on("reconnect_attempt", () =>
      this.dispatchEvent(new CustomEvent("connection", { detail: { state: "reconnecting" } })));
    this.watchNetwork();
    await new Promise((resolve, reject) => { // the first connection only: later ones retry
      const refused = (error) => {
        socket.off("connect", connected);
        socket.disconnect();
        reject(new CallError(error.data || { type: "network", detail: error.message }));
      };
      const connected = () => { socket.off("connect_error", refused); resolve(); };
      socket.once("connect", connected);
      socket.once("connect_error", refused);
    });
    return this.join();
  }

  async join() {
    const state = await this.call("join", { last_event_id: this.lastEventId });
    this.joins += 1;
    this.lastEventId = Math.max(this.lastEventId ?? 0, state.last_event_id);
    this.dispatchEvent(new CustomEvent("connection", { detail: { state: "connected" } }));
    return state;
  }

  async rejoin() {
    try {
      const state = await this.join();
      this.dispatchEvent(new CustomEvent("rejoined", { detail: state }));
    } catch (error) {
      this.dispatchEvent(new CustomEvent("refused", { detail: error }));
    }
  }

  /** The phone says the network is gone: drop the dead socket now rather than wait for the
   * heartbeat to time out (tens of seconds), and say so; socket.io's own retries (at most
   * every few seconds) bring the class back once the network returns. */
  watchNetwork() {
    window.addEventListener("offline", () => {
      if (!this.socket || this.leaving) return;
      this.socket.io.engine?.close();
      this.dispatchEvent(new CustomEvent("connection", { detail: { state: "offline" } }));
    });
  }

  /** An event with its acknowledgement; rejects with the server's error. */
  call(event, data) {
    return new Promise((resolve, reject) => {
      this.socket.timeout(CALL_TIMEOUT_MS).emit(event, data ?? {}, (err, answer) => {
        if (err) reject(new CallError({ type: "timeout", detail: String(err.message || err) }));
        else if (!answer.ok) reject(new CallError(answer.error));
        else resolve(answer);
      });
    });
  }

  on(event, handler) {
    this.addEventListener(event, (e) => handler(e.detail));
  }

  async leave() {
    this.leaving = true;
    try { await this.call("leave"); } finally { this.socket.disconnect(); }
  }
}
