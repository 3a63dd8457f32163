// camp's browser terminal. Identity is a key this browser makes once and cannot export
// (WebCrypto Ed25519, else ECDSA P-256), kept in IndexedDB. The server sends a
// challenge naming this camp (origin, host key) and a fresh nonce; we sign it, and from
// then on the socket carries terminal bytes both ways (binary frames) and our screen
// size (small JSON text frames).
"use strict";

(function () {
  const CONTEXT = "camp browser terminal login v1";
  const statusEl = document.getElementById("status");
  const actions = document.getElementById("actions");
  const srBox = document.getElementById("screen-reader");
  const hostKeyEl = document.getElementById("host-key");
  const params = new URLSearchParams(location.search);
  // Only invites come from the address. A device link code adds this browser's key to
  // whichever account made it, so a link someone sent would sign us in as them: a
  // link code is typed in by hand (the camp also refuses one prefilled).
  const invite = params.get("invite") || "";
  // A second browser profile can keep its own key: ?profile=NAME picks another slot.
  const slot = "identity" + (params.get("profile") || "");

  function say(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("error", !!isError);
  }

  // --- the key -----------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("camp-terminal", 1);
      req.onupgradeneeded = () => req.result.createObjectStore("keys");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  function dbGet(db, k) {
    return new Promise((resolve, reject) => {
      const req = db.transaction("keys").objectStore("keys").get(k);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  function dbPut(db, k, v) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction("keys", "readwrite");
      tx.objectStore("keys").put(v, k);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  }
  async function makeKey() {
    try {
      const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
      return { alg: "Ed25519", pair };
    } catch (e) {
      const pair = await crypto.subtle.generateKey(
        { name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
      return { alg: "P-256", pair };
    }
  }
  async function loadKey() {
    const db = await openDb();
    let stored = await dbGet(db, slot);
    if (!stored) {
      const made = await makeKey();
      const raw = await crypto.subtle.exportKey("raw", made.pair.publicKey);
      stored = { alg: made.alg, privateKey: made.pair.privateKey, publicRaw: raw };
      await dbPut(db, slot, stored);
    }
    return stored;
  }
  function b64(buf) {
    let s = "";
    for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
    return btoa(s);
  }
  async function sign(key, text) {
    const data = new TextEncoder().encode(text);
    const algo = key.alg === "Ed25519" ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" };
    return b64(await crypto.subtle.sign(algo, key.privateKey, data));
  }

  // --- the terminal ------------------------------------------------------------
  const term = new Terminal({
    cursorBlink: false,
    convertEol: false,
    fontFamily: "ui-monospace, Menlo, Consolas, 'DejaVu Sans Mono', monospace",
    fontSize: 15,
    // Every colour readable on the black background (WCAG AA contrast, 4.5:1 or more):
    // the camp's dim text is ANSI bright black, which xterm's default draws too dark.
    theme: {
      background: "#000000", foreground: "#e8e6e0", cursor: "#e8e6e0",
      black: "#000000", red: "#ff6b6b", green: "#5fd75f", yellow: "#e5c07b",
      blue: "#6cb6ff", magenta: "#d38aea", cyan: "#56d4dd", white: "#e5e5e5",
      brightBlack: "#a0a0a0", brightRed: "#ff8787", brightGreen: "#87ff87",
      brightYellow: "#ffd787", brightBlue: "#87bfff", brightMagenta: "#ffafff",
      brightCyan: "#87ffff", brightWhite: "#ffffff",
    },
    screenReaderMode: localStorage.getItem("camp-screen-reader") === "1",
    // `term.unicode` (below) is one of xterm's proposed APIs.
    allowProposedApi: true,
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  // The camp lays out emoji two columns wide, as terminals since Unicode 9 do; xterm's
  // default (Unicode 6) draws them one column wide, which shifts and garbles the rest
  // of each row they are on.
  term.loadAddon(new Unicode11Addon.Unicode11Addon());
  term.unicode.activeVersion = "11";
  term.open(document.getElementById("terminal"));
  srBox.checked = term.options.screenReaderMode;
  srBox.addEventListener("change", () => {
    term.options.screenReaderMode = srBox.checked;
    localStorage.setItem("camp-screen-reader", srBox.checked ? "1" : "0");
    term.focus();
  });
  function refit() {
    try { fit.fit(); } catch (e) { /* not laid out yet */ }
  }
  refit();

  let ws = null;
  const encoder = new TextEncoder();
  term.onData((d) => {
    if (ws && ws.readyState === WebSocket.OPEN && ws.campReady) ws.send(encoder.encode(d));
  });
  term.onBinary((d) => {
    if (!ws || ws.readyState !== WebSocket.OPEN || !ws.campReady) return;
    const bytes = new Uint8Array(d.length);
    for (let i = 0; i < d.length; i++) bytes[i] = d.charCodeAt(i) & 0xff;
    ws.send(bytes);
  });
  term.onResize(({ cols, rows }) => {
    if (ws && ws.readyState === WebSocket.OPEN && ws.campReady) {
      ws.send(JSON.stringify({ type: "resize", cols, rows }));
    }
  });
  window.addEventListener("resize", refit);
  // The box changes size when the text around it wraps (a phone, a font that loads
  // late), not only when the window does.
  if (window.ResizeObserver) new ResizeObserver(refit).observe(document.getElementById("terminal"));

  async function connect() {
    actions.hidden = true;
    say("Connecting…");
    let key;
    try {
      key = await loadKey();
    } catch (e) {
      say("This browser cannot keep a key (private window, or storage blocked): " + e, true);
      return;
    }
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const sock = new WebSocket(scheme + "//" + location.host + "/terminal/ws");
    ws = sock;
    sock.binaryType = "arraybuffer";
    sock.campReady = false;
    let refusal = null;
    sock.onmessage = async (ev) => {
      if (typeof ev.data !== "string") {
        term.write(new Uint8Array(ev.data));
        return;
      }
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === "challenge") {
        hostKeyEl.textContent = msg.host_key;
        const text = CONTEXT + "\norigin: " + location.origin + "\nhost key: " + msg.host_key +
          "\nnonce: " + msg.nonce + "\n";
        const hello = {
          type: "hello", alg: key.alg, public_key: b64(key.publicRaw),
          signature: await sign(key, text), nonce: msg.nonce,
          cols: term.cols, rows: term.rows,
        };
        if (invite) hello.invite = invite;
        sock.send(JSON.stringify(hello));
      } else if (msg.type === "welcome") {
        sock.campReady = true;
        say("Connected. Keys: ? for help, q to leave.");
        term.focus();
      } else if (msg.type === "error") {
        refusal = String(msg.message || "refused");
      }
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      sock.campReady = false;
      say(refusal ? "camp said: " + refusal : "Disconnected.", !!refusal);
      actions.hidden = false;
    };
  }
  document.getElementById("reconnect").addEventListener("click", () => {
    term.reset();
    connect();
  });
  connect();
})();
