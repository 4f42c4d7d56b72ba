// Media in the class: one publishing connection (camera, microphone, an optional screen share)
// and one receiving connection per person, both to the server's forwarding unit. The server
// tells the camera how much to send (media_limits) and what it forwards; this module keeps the
// browser's side of that conversation and nothing about the page.

const ICE_WAIT_MS = 5000;

function rtcConfig(grant) {
  return { iceServers: grant.ice_servers.map((s) => ({ urls: s.urls,
    username: s.username ?? undefined, credential: s.credential ?? undefined })) };
}

async function gathered(pc) {
  if (pc.iceGatheringState === "complete") return;
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, ICE_WAIT_MS); // send what we have rather than wait forever
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
    });
  });
}

/** Camera and microphone from the person's chosen devices. */
export async function openDevices({ camera, microphone, video = true, audio = true }) {
  const constraints = {
    audio: audio ? { deviceId: microphone ? { exact: microphone } : undefined,
      echoCancellation: true, noiseSuppression: true } : false,
    video: video ? { deviceId: camera ? { exact: camera } : undefined,
      width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 24 } } : false,
  };
  return navigator.mediaDevices.getUserMedia(constraints);
}

export class Publisher {
  constructor(live, grant) {
    this.live = live;
    this.pc = new RTCPeerConnection(rtcConfig(grant));
    this.limits = null;
    this.screen = null;
    this.audio = this.pc.addTransceiver("audio", { direction: "sendonly" });
    this.video = this.pc.addTransceiver("video", { direction: "sendonly" });
  }

  async start(stream) {
    const [audio] = stream ? stream.getAudioTracks() : [];
    const [video] = stream ? stream.getVideoTracks() : [];
    if (audio) await this.audio.sender.replaceTrack(audio);
    if (video) await this.video.sender.replaceTrack(video);
    await this.negotiate();
  }

  async negotiate() {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    await gathered(this.pc);
    const screen = this.screen?.mid ? [this.screen.mid] : []; // mids exist once the offer is set
    const { answer } = await this.live.call("media_publish",
      { type: "offer", sdp: this.pc.localDescription.sdp, screen });
    await this.pc.setRemoteDescription(answer);
    await this.applyLimits();
  }

  /** What the server asked this camera to send at most (media_limits). */
  async setLimits(limits) {
    this.limits = limits;
    if (this.pc.remoteDescription) await this.applyLimits();
  }

  async applyLimits() {
    const sender = this.video.sender;
    const params = sender.getParameters();
    if (!this.limits || !sender.track || !params.encodings || !params.encodings.length) return;
    const { width = 640, height = 480 } = sender.track.getSettings();
    const video = this.limits.video;
    Object.assign(params.encodings[0], {
      maxBitrate: video.max_kbps * 1000,
      maxFramerate: video.max_fps,
      scaleResolutionDownBy: Math.max(1, width / video.max_width, height / video.max_height),
    });
    await sender.setParameters(params);
  }

  async replaceCamera(track) {
    await this.video.sender.replaceTrack(track);
    if (track) await this.applyLimits();
  }

  async replaceMicrophone(track) { await this.audio.sender.replaceTrack(track); }

  /** Start a screen share: its own media line, named to the server as a screen. */
  async shareScreen(stream) {
    this.screen = this.pc.addTransceiver(stream.getVideoTracks()[0],
      { direction: "sendonly", streams: [stream] });
    await this.negotiate();
  }

  async stopScreen() {
    if (!this.screen) return;
    this.screen.sender.track?.stop();
    this.screen.stop();
    this.screen = null;
    await this.negotiate();
  }

  sending() {
    const [encoding] = this.video.sender.getParameters().encodings || [{}];
    return { maxBitrate: encoding.maxBitrate ?? null, maxFramerate: encoding.maxFramerate ?? null };
  }

  close() { this.pc.close(); }
}

export class Receiver extends EventTarget {
  constructor(live, grant) {
    super();
    this.live = live;
    this.pc = new RTCPeerConnection(rtcConfig(grant));
    this.streams = new Map(); // "12-video" → MediaStream
    this.pc.ontrack = ({ track }) => {
      const stream = new MediaStream([track]);
      this.streams.set(track.id, stream);
      this.dispatchEvent(new CustomEvent("track", { detail: { id: track.id, track, stream } }));
      track.addEventListener("ended", () => this.streams.delete(track.id));
    };
    this.offers = Promise.resolve();
    this.onOffer = (offer) => { this.offers = this.offers.then(() => this.answer(offer)).catch(() => null); };
    live.socket.on("media_offer", this.onOffer);
  }

  async answer(offer) {
    await this.pc.setRemoteDescription(offer);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    await this.live.call("media_answer", { type: "answer", sdp: this.pc.localDescription.sdp });
  }

  async start(view) {
    const { offer } = await this.live.call("media_subscribe", view);
    if (offer) await this.answer(offer);
  }

  async view(view) { return this.live.call("media_view", view); }

  async received() {
    const totals = { framesDecoded: 0, audioPackets: 0 };
    (await this.pc.getStats()).forEach((s) => {
      if (s.type === "inbound-rtp" && s.kind === "video") totals.framesDecoded += s.framesDecoded || 0;
      if (s.type === "inbound-rtp" && s.kind === "audio") totals.audioPackets += s.packetsReceived || 0;
    });
    return totals;
  }

  close() {
    this.live.socket.off("media_offer", this.onOffer);
    this.pc.close();
  }
}

/** How this connection is doing since the last look, from both connections' own statistics:
 * good, fair or poor. ``last`` carries the packet counters between looks. */
export async function connectionLevel(publisher, receiver, last = {}) {
  let rtt = null;
  let lost = 0;
  let got = 0;
  const read = async (pc) => (pc ? pc.getStats() : new Map());
  (await read(publisher?.pc)).forEach((s) => {
    if (s.type === "candidate-pair" && s.nominated && s.currentRoundTripTime !== undefined) {
      rtt = Math.max(rtt ?? 0, s.currentRoundTripTime * 1000);
    }
  });
  (await read(receiver?.pc)).forEach((s) => {
    if (s.type === "inbound-rtp") { lost += s.packetsLost || 0; got += s.packetsReceived || 0; }
  });
  const newLost = Math.max(0, lost - (last.lost ?? 0));
  const newGot = Math.max(0, got - (last.got ?? 0));
  Object.assign(last, { lost, got });
  const loss = newGot + newLost > 0 ? (100 * newLost) / (newGot + newLost) : 0;
  if (loss > 8 || (rtt ?? 0) > 600) return "poor";
  if (loss > 2 || (rtt ?? 0) > 250) return "fair";
  return "good";
}
