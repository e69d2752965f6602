/*
 * The patients' chat widget: a launcher button in the page corner that opens a chat panel talking to the
 * Rasa server over its REST channel. Embed it with one script tag (see web/README.md):
 *
 *   <script src="https://site.example/widget/widget.js" data-bot-url="https://bot.example"
 *           data-title="Cancer care assistant" data-lang="en" data-max-chars="2000" defer></script>
 *
 * The chat view is the deep-chat web component (npm, pinned in web/package.json, served from
 * widget/vendor/ next to this file). This file adds what deep-chat does not do for a Rasa bot: the REST
 * request, quick-reply buttons from `buttons`, safe links, Retry when the bot is unavailable (the message is
 * kept), the too-long answer and the length counter, the conversation id and transcript in
 * sessionStorage, the launcher/panel with focus handling, announcements and the IME guard.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.CareBotWidget) return; // loaded twice: keep the first

  const STRINGS = {
    en: {
      title: "Cancer care assistant",
      launcher: "Chat with us",
      close: "Close chat",
      placeholder: "Type your question",
      send: "Send",
      intro: "Hello. I can give information about cancer care in Korea for international patients: " +
        "cancers, stem-cell transplants, CAR-T, childhood cancers, skin cancer, ovarian cancer surgery, " +
        "clinical trials and follow-up care.",
      notice: "Information only, not medical advice. In an emergency call 119 in Korea or your local emergency number.",
      suggestions: "Suggested replies",
      error: "Sorry, the assistant is unavailable right now. Your message is kept; you can send it again.",
      retry: "Retry",
      retrying: "Sending your message again",
      tooLong: "Your message is too long: the assistant reads up to {limit} characters at a time. Please " +
        "shorten it or split it into several messages. Your text is back in the message box.",
      counter: "{length} of {limit} characters",
      atLimit: "You have reached the limit of {limit} characters. Send the rest in another message.",
      loadFailed: "The chat could not be loaded. Please reload the page.",
    },
    ko: {
      title: "암 진료 안내 도우미",
      launcher: "채팅 상담",
      close: "채팅 닫기",
      placeholder: "질문을 입력하세요",
      send: "보내기",
      intro: "안녕하세요. 해외 환자를 위한 한국의 암 진료 정보를 안내해 드립니다: 암, 조혈모세포이식, CAR-T, " +
        "소아암, 피부암, 난소암 수술, 임상시험, 추적 관리.",
      notice: "의학적 조언이 아닌 정보 안내입니다. 응급 상황에서는 한국에서 119 또는 현지 응급 번호로 전화하세요.",
      suggestions: "추천 답변",
      error: "죄송합니다. 지금은 상담 도우미를 이용할 수 없습니다. 입력하신 메시지는 보관되어 있으니 다시 보낼 수 있습니다.",
      retry: "다시 시도",
      retrying: "메시지를 다시 보내는 중",
      tooLong: "메시지가 너무 깁니다. 한 번에 {limit}자까지 읽을 수 있습니다. 줄이거나 여러 메시지로 나누어 보내 주세요. " +
        "입력하신 내용은 입력창에 다시 넣어 두었습니다.",
      counter: "{limit}자 중 {length}자",
      atLimit: "{limit}자 제한에 도달했습니다. 나머지는 다른 메시지로 보내 주세요.",
      loadFailed: "채팅을 불러오지 못했습니다. 페이지를 새로 고쳐 주세요.",
    },
  };

  // --- configuration from the script tag ------------------------------------------------------------
  const data = script.dataset;
  const botUrl = (data.botUrl || "").trim().replace(/\/+$/, "");
  const lang = /^ko\b/i.test(data.lang || document.documentElement.lang || "") ? "ko" : "en";
  const T = STRINGS[lang];
  const title = (data.title || "").trim() || T.title;
  const assetBase = new URL("./", script.src);
  const REQUEST_TIMEOUT_MS = 30000;
  const MAX_TRANSCRIPT = 200;
  // the server's MAX_MESSAGE_CHARS, passed by the page (data-max-chars); the counter appears at 80 %
  const DEFAULT_MAX_CHARS = 2000;
  const parsedMaxChars = Number.parseInt(data.maxChars || "", 10);
  let maxChars = parsedMaxChars >= 1 ? parsedMaxChars : DEFAULT_MAX_CHARS;
  const COUNTER_FROM = 0.8;
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, key) =>
    (typeof values[key] === "number" ? values[key].toLocaleString(lang === "ko" ? "ko-KR" : "en-US") : m));
  let botUrlValid = false;
  try { botUrlValid = /^https?:$/.test(new URL(botUrl).protocol); } catch { /* not a URL */ }
  if (!botUrlValid) {
    console.error("carebot widget: set data-bot-url to the Rasa server's address, e.g. http://127.0.0.1:5005");
    return;
  }

  // --- sessionStorage (falls back to memory where storage is blocked) -----------------------------------
  const memory = new Map();
  const storage = {
    get(key) {
      try { return window.sessionStorage.getItem(key); } catch { return memory.has(key) ? memory.get(key) : null; }
    },
    set(key, value) {
      try { window.sessionStorage.setItem(key, value); } catch { memory.set(key, value); }
    },
    remove(key) {
      try { window.sessionStorage.removeItem(key); } catch { memory.delete(key); }
    },
    json(key, fallback) {
      try { return JSON.parse(this.get(key)) ?? fallback; } catch { return fallback; }
    },
  };
  const KEY = `carebot:${botUrl}:`;

  function newConversationId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // randomUUID needs a secure context (https or localhost); getRandomValues does not
    const b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  let senderId = storage.get(KEY + "sender");
  if (!senderId) {
    senderId = newConversationId();
    storage.set(KEY + "sender", senderId);
  }
  // transcript entries: {role: "user"|"ai", text} or {role: "ai", buttons: [{title, payload}]}
  const transcript = storage.json(KEY + "transcript", []);
  // the message that could not be sent: {id, message, text}, shown with Retry (also after a reload)
  let failed = storage.json(KEY + "failed", null);

  function remember(entries) {
    transcript.push(...entries);
    transcript.splice(0, Math.max(0, transcript.length - MAX_TRANSCRIPT));
    storage.set(KEY + "transcript", JSON.stringify(transcript));
  }
  function setFailed(value) {
    failed = value;
    if (value) storage.set(KEY + "failed", JSON.stringify(value)); else storage.remove(KEY + "failed");
  }

  // --- formatting: bot text -> Markdown that deep-chat renders with HTML disabled -----------------------
  const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  // existing links and code spans are kept as they are; bare URLs, e-mail addresses and phone numbers
  // become links
  const LINKABLE = new RegExp([
    /(`[^`]*`|\[[^\]]*\]\([^)\s]*\)|<[^>\s]+>)/.source, // 1: code span, Markdown link, autolink
    /(https?:\/\/[^\s<>"'`\[\]]+)/.source, // 2: URL
    /([\w.+-]+@[\w-]+(?:\.[\w-]+)+)/.source, // 3: e-mail address
    // 4: phone: +82 2 1234 5678, +82-2-1234-5678, 02-1234-5678, 010-1234-5678, 1588-1234
    /(\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,4}|\b0\d{1,2}-\d{3,4}-\d{4}\b|\b1[568]\d{2}-\d{4}\b)/.source,
  ].join("|"), "g");

  function linkify(line) {
    return line.replace(LINKABLE, (match, kept, url, email, phone) => {
      if (kept) return kept;
      if (url) {
        const trail = url.match(/[.,;:!?)]+$/);
        const clean = trail ? url.slice(0, -trail[0].length) : url;
        return `<${clean}>${trail ? trail[0] : ""}`;
      }
      if (email) return `<${email}>`;
      const digits = phone.replace(/[^\d+]/g, "");
      if (digits.replace("+", "").length < 8) return phone;
      return `[${phone}](tel:${digits})`;
    });
  }

  function toMarkdown(text) {
    const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    const out = [];
    lines.forEach((line, i) => {
      const isItem = /^\s*[-*] /.test(line);
      const previousIsItem = i > 0 && /^\s*[-*] /.test(lines[i - 1]);
      // a list needs a blank line before and after it, or it swallows the next line
      if (isItem && i > 0 && !previousIsItem && lines[i - 1].trim()) out.push("");
      if (!isItem && previousIsItem && line.trim() && !/^\s/.test(line)) out.push("");
      out.push(linkify(line));
    });
    return out.join("\n");
  }

  function plainText(text) {
    return String(text).replace(/\*\*|__/g, "").replace(/^\s*[-*] /gm, "• ");
  }

  // Remarkable plugin: links only to http(s), mailto and tel, opened safely; images shown as their text.
  // (deep-chat turns Remarkable's own link validation off, so the renderer enforces it.)
  function safeLinksPlugin(md) {
    const rules = md.renderer.rules;
    const open = [];
    rules.link_open = (tokens, idx) => {
      let href = "";
      try {
        const url = new URL(tokens[idx].href);
        if (["http:", "https:", "mailto:", "tel:"].includes(url.protocol)) href = url.href;
      } catch { /* relative or malformed: no link */ }
      open.push(Boolean(href));
      if (!href) return "";
      const external = /^https?:/.test(href) ? ' target="_blank" rel="noopener noreferrer"' : "";
      return `<a href="${escapeHtml(href)}"${external}>`;
    };
    rules.link_close = () => (open.pop() ? "</a>" : "");
    rules.image = (tokens, idx) => escapeHtml(tokens[idx].alt || "");
  }

  function quickRepliesHtml(buttons) {
    const items = buttons.map((b) =>
      `<button type="button" class="cw-qr" data-payload="${escapeHtml(b.payload)}">${escapeHtml(b.title)}</button>`);
    return `<div class="cw-quick-replies" role="group" aria-label="${escapeHtml(T.suggestions)}">${items.join("")}</div>`;
  }

  function errorHtml(id) {
    return `<div class="cw-error" data-failed-id="${escapeHtml(id)}"><p>${escapeHtml(T.error)}</p>` +
      `<button type="button" class="cw-retry" data-failed-id="${escapeHtml(id)}">${escapeHtml(T.retry)}</button></div>`;
  }

  const TYPING_HTML = `<div class="cw-typing" role="status"><span class="cw-dot"></span><span class="cw-dot"></span>` +
    `<span class="cw-dot"></span><span class="cw-sr">${escapeHtml(T.retrying)}</span></div>`;

  function toChatMessage(entry) {
    if (entry.buttons) return { role: "ai", html: quickRepliesHtml(entry.buttons) };
    // the patient's own words are shown as deep-chat shows them while typing; the bot's get links
    return { role: entry.role, text: entry.role === "user" ? entry.text : toMarkdown(entry.text) };
  }

  // Rasa REST replies -> transcript entries. Custom-only replies carry metadata for machines: not shown.
  function fromRasa(replies) {
    const entries = [];
    for (const reply of Array.isArray(replies) ? replies : []) {
      if (typeof reply.text === "string" && reply.text.trim()) entries.push({ role: "ai", text: reply.text });
      if (typeof reply.image === "string" && /^https?:\/\//i.test(reply.image)) {
        entries.push({ role: "ai", text: `<${reply.image}>` });
      }
      const buttons = (Array.isArray(reply.buttons) ? reply.buttons : [])
        .filter((b) => b && typeof b.title === "string" && b.title.trim())
        .map((b) => ({ title: b.title, payload: typeof b.payload === "string" && b.payload ? b.payload : b.title }));
      if (buttons.length) entries.push({ role: "ai", buttons });
    }
    return entries;
  }

  // The bot refused the message as longer than its limit (HTTP 413, or its own reply saying so).
  class TooLong extends Error {
    constructor(limit) {
      super("the message is longer than the bot accepts");
      this.limit = limit;
    }
  }

  // One message to the bot; resolves to the entries to show. Throws TooLong, or an Error whenever the
  // patient got no answer: no connection, an HTTP error, a timeout, no reply that can be shown, or the
  // channel's own "briefly unavailable" reply (custom meta `unavailable`), so the message is kept for Retry.
  async function postToBot(message) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(`${botUrl}/webhooks/rest/webhook`, {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: senderId, message, metadata: { lang } }),
        signal: controller.signal,
      });
      if (response.status === 413) throw new TooLong(maxChars);
      if (!response.ok) throw new Error(`the bot answered HTTP ${response.status}`);
      const replies = await response.json();
      if (!Array.isArray(replies)) throw new Error("the bot's answer is not a list of messages");
      const metas = replies.map((r) => r && r.custom && r.custom.meta).filter((m) => m && typeof m === "object");
      if (metas.some((m) => m.unavailable === true)) throw new Error("the bot is briefly unavailable");
      const tooLong = metas.find((m) => m.rejected === "too_long");
      if (tooLong) throw new TooLong(Number.parseInt(tooLong.max_message_chars, 10) || maxChars);
      const entries = fromRasa(replies);
      if (!entries.length) throw new Error("the bot sent no reply that can be shown");
      return entries;
    } finally {
      clearTimeout(timer);
    }
  }

  // --- the launcher, the panel and the live region, in a shadow root so host-page CSS stays out --------
  const host = document.createElement("div");
  host.id = "carebot-widget";
  host.setAttribute("lang", lang);
  const root = host.attachShadow({ mode: "open" });
  const el = (tag, attrs = {}, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const stylesheet = el("link", { rel: "stylesheet", href: new URL("widget.css", assetBase).href });
  const launcher = el("button", { type: "button", class: "cw-launcher", "aria-expanded": "false", "aria-controls": "cw-panel" });
  const icon = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("aria-hidden", "true");
  icon.setAttribute("focusable", "false");
  const iconPath = document.createElementNS("http://www.w3.org/2000/svg", "path");
  iconPath.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z");
  icon.append(iconPath);
  launcher.append(icon, el("span", {}, T.launcher));

  const panel = el("section", { id: "cw-panel", class: "cw-panel", role: "dialog", "aria-labelledby": "cw-title", hidden: "" });
  const header = el("header", { class: "cw-header" });
  const heading = el("h2", { id: "cw-title" }, title);
  const closeButton = el("button", { type: "button", class: "cw-close", "aria-label": T.close });
  closeButton.append(el("span", { "aria-hidden": "true" }, "×"));
  header.append(heading, closeButton);
  const notice = el("p", { class: "cw-notice" }, T.notice);
  const body = el("div", { class: "cw-body" });
  const counter = el("p", { class: "cw-counter", hidden: "" });
  panel.append(header, notice, body, counter);
  const live = el("div", { class: "cw-sr", "aria-live": "polite", "data-carebot-live": "" });
  root.append(stylesheet, launcher, panel, live);

  function announce(text) {
    const item = el("p", {}, text);
    live.append(item);
    while (live.childElementCount > 5) live.firstElementChild.remove();
  }
  function announceEntries(entries) {
    for (const entry of entries) {
      announce(entry.buttons ? `${T.suggestions}: ${entry.buttons.map((b) => b.title).join(", ")}` : plainText(entry.text));
    }
  }

  // --- the chat view ---------------------------------------------------------------------------------
  const vendorModule = customElements.get("deep-chat")
    ? Promise.resolve()
    : import(new URL("vendor/deep-chat.js", assetBase).href);
  let chat = null;
  let markRendered;
  const rendered = new Promise((resolve) => { markRendered = resolve; });
  const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans KR', 'Apple SD Gothic Neo', sans-serif";
  let busy = false;
  let quickReply = null; // {title, payload} of the button just clicked

  function chatView() {
    if (chat) return chat;
    (window.remarkable_plugins = window.remarkable_plugins || []).push({ plugin: safeLinksPlugin });
    chat = document.createElement("deep-chat");
    // a font of our own on the element also stops deep-chat from loading its default font from a CDN;
    // deep-chat fills in its own defaults (fixed size, grey border) only where the element has no style yet
    Object.assign(chat.style, { fontFamily: FONT, fontSize: "16px", width: "100%", height: "100%", border: "0", backgroundColor: "#ffffff" });
    chat.onComponentRender = () => markRendered();
    chat.remarkable = { html: false, breaks: true, typographer: false, linkTarget: "_blank" };
    chat.introMessage = { text: T.intro };
    chat.history = [...transcript.map(toChatMessage), ...(failed ? [{ role: "ai", html: errorHtml(failed.id) }] : [])];
    chat.textInput = {
      placeholder: { text: T.placeholder, style: { color: "#595959" } },
      characterLimit: maxChars,
      styles: { container: { border: "1px solid #6b7280", borderRadius: "8px", boxShadow: "none" } },
    };
    chat.submitButtonStyles = {
      position: "outside-end",
      submit: {
        container: { default: { backgroundColor: "#0b5394", borderRadius: "8px", padding: "6px 14px" } },
        text: { content: T.send, styles: { default: { color: "#ffffff", fontWeight: "600" } } },
      },
      loading: {
        container: { default: { backgroundColor: "#4b5563", borderRadius: "8px", padding: "6px 14px" } },
        text: { content: T.send, styles: { default: { color: "#ffffff" } } },
      },
      disabled: {
        container: { default: { backgroundColor: "#e5e7eb", borderRadius: "8px", padding: "6px 14px" } },
        text: { content: T.send, styles: { default: { color: "#374151" } } },
      },
    };
    chat.messageStyles = {
      default: {
        shared: { bubble: { maxWidth: "85%", lineHeight: "1.45", fontSize: "15px" } },
        ai: { bubble: { backgroundColor: "#eef2f6", color: "#111827" } },
        user: { bubble: { backgroundColor: "#0b5394", color: "#ffffff" } },
      },
      html: { shared: { bubble: { backgroundColor: "transparent", padding: "0", maxWidth: "95%" } } },
      intro: { bubble: { backgroundColor: "#eef2f6", color: "#111827", maxWidth: "85%" } },
    };
    chat.auxiliaryStyle = AUXILIARY_STYLE;
    chat.errorMessages = { displayServiceErrorMessages: false };
    chat.htmlClassUtilities = {
      "cw-qr": { events: { click: (event) => onQuickReply(event.target) } },
      "cw-retry": { events: { click: (event) => onRetry(event.target) } },
    };
    chat.connect = { handler: onSend };
    chat.onInput = updateCounter; // every change of the message box, its clearing after Send included
    // IME: Enter that confirms a composition (Korean, Japanese, Chinese ...) must not send. deep-chat
    // only watches composition events, which Safari ends before that keydown; keyCode 229 covers it.
    chat.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.isComposing || event.keyCode === 229)) event.stopPropagation();
    }, true);
    body.append(chat);
    return chat;
  }

  async function onSend(request, signals) {
    const text = (request && request.messages && request.messages[0] && request.messages[0].text) || "";
    let message = text;
    if (quickReply && quickReply.title === text) message = quickReply.payload;
    quickReply = null;
    busy = true;
    if (failed) {
      // only the last failure can be retried, so that answers keep their order
      const index = messageIndexOf(failed.id);
      if (index >= 0) chat.updateMessage({ html: `<div class="cw-error"><p>${escapeHtml(T.error)}</p></div>` }, index);
      setFailed(null);
    }
    remember([{ role: "user", text }]);
    let entries;
    try {
      entries = await postToBot(message);
    } catch (error) {
      if (error instanceof TooLong) {
        busy = false;
        const notice = tooLongNotice(error.limit);
        remember([notice]);
        announce(notice.text);
        await signals.onResponse(toChatMessage(notice));
        restoreInput(text);
        return;
      }
      const id = newConversationId();
      setFailed({ id, message, text });
      busy = false;
      announce(T.error);
      await signals.onResponse({ role: "ai", html: errorHtml(id) });
      return;
    }
    remember(entries);
    busy = false;
    announceEntries(entries);
    await signals.onResponse(entries.map(toChatMessage));
  }

  function onQuickReply(button) {
    const target = button && button.closest ? button.closest(".cw-qr") : null;
    if (!target || busy || !chat) return;
    quickReply = { title: target.textContent, payload: target.dataset.payload || target.textContent };
    chat.submitUserMessage({ text: quickReply.title });
  }

  // The too-long notice; a lower limit from the server becomes the counter's limit too.
  function tooLongNotice(limit) {
    maxChars = Math.min(maxChars, limit);
    updateCounter();
    return { role: "ai", text: fill(T.tooLong, { limit }) };
  }

  function messageBox() {
    return chat && chat.shadowRoot ? chat.shadowRoot.getElementById("text-input") : null;
  }

  // Put the patient's text back into the message box, as deep-chat would show it typed.
  function restoreInput(text) {
    const box = messageBox();
    if (!box) return;
    box.textContent = text;
    // deep-chat listens to input events: it drops the placeholder and enables Send
    box.dispatchEvent(new Event("input", { bubbles: true }));
    focusMessageBox();
  }

  // The counter shows from 80 % of the limit; reaching the limit is announced once. The length is counted
  // as deep-chat's characterLimit counts it (UTF-16 units, so never fewer than the server's characters).
  let limitAnnounced = false;
  function updateCounter() {
    const box = messageBox();
    const length = box ? (box.textContent || "").length : 0;
    const full = length >= maxChars;
    counter.hidden = length < Math.floor(maxChars * COUNTER_FROM);
    counter.classList.toggle("cw-counter-full", full);
    counter.textContent = fill(full ? T.atLimit : T.counter, { length, limit: maxChars });
    if (full && !limitAnnounced) announce(counter.textContent);
    limitAnnounced = full;
  }

  function messageIndexOf(id) {
    const messages = chat.getMessages();
    for (let i = messages.length - 1; i >= 0; i -= 1) {
      if (messages[i].html && messages[i].html.includes(`data-failed-id="${id}"`)) return i;
    }
    return -1;
  }

  // Retry sends the kept message again; the error bubble turns into the typing dots and then the answer.
  async function onRetry(button) {
    const target = button && button.closest ? button.closest(".cw-retry") : null;
    if (!target || busy || !failed || target.dataset.failedId !== failed.id) return;
    const attempt = failed;
    const index = messageIndexOf(attempt.id);
    if (index < 0) return;
    busy = true;
    chat.disableSubmitButton(true);
    chat.updateMessage({ html: TYPING_HTML }, index);
    let entries;
    try {
      entries = await postToBot(attempt.message);
    } catch (error) {
      if (error instanceof TooLong) { // Retry cannot help: the patient gets the text back to shorten it
        setFailed(null);
        const notice = tooLongNotice(error.limit);
        remember([notice]);
        chat.updateMessage(toChatMessage(notice), index);
        announce(notice.text);
        restoreInput(attempt.text);
        return;
      }
      chat.updateMessage({ html: errorHtml(attempt.id) }, index);
      announce(T.error);
      const again = chat.shadowRoot && chat.shadowRoot.querySelector(`.cw-retry[data-failed-id="${attempt.id}"]`);
      if (again) again.focus();
      return;
    } finally {
      busy = false;
      chat.disableSubmitButton(false);
    }
    setFailed(null);
    remember(entries);
    const [first, ...rest] = entries.map(toChatMessage);
    chat.updateMessage(first, index);
    rest.forEach((m) => chat.addMessage(m));
    announceEntries(entries);
    focusMessageBox(); // the Retry button is gone: the focus goes back to the message box
  }

  // --- opening and closing ---------------------------------------------------------------------------
  function isOpen() { return !panel.hidden; }

  function focusMessageBox() {
    // deep-chat's focusInput() only moves the caret (it focuses on Safari and phones only), and its first
    // renders may replace the message box; so focus it, and again if the focus falls back to the page
    const focus = () => {
      const box = chat && chat.shadowRoot && chat.shadowRoot.getElementById("text-input");
      if (!box) return;
      box.focus();
      chat.focusInput();
    };
    focus();
    let checks = 10;
    const check = () => {
      if (!isOpen()) return;
      if (document.activeElement === document.body || document.activeElement === null) focus();
      if (--checks > 0) setTimeout(check, 50);
    };
    setTimeout(check, 50);
  }

  async function open({ focus = true } = {}) {
    if (isOpen()) return;
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    host.classList.add("cw-open");
    storage.set(KEY + "open", "1");
    try {
      await vendorModule;
    } catch (error) {
      body.replaceChildren(el("p", { class: "cw-load-error", role: "alert" }, T.loadFailed));
      return;
    }
    chatView();
    await rendered;
    if (focus && isOpen()) focusMessageBox();
  }

  function close() {
    if (!isOpen()) return;
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    host.classList.remove("cw-open");
    storage.remove(KEY + "open");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (isOpen() ? close() : open()));
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.isComposing) {
      event.preventDefault();
      close();
    }
  });

  const AUXILIARY_STYLE = `
    .input-button-svg-text svg { display: none; }
    #input { justify-content: flex-start; padding-inline-start: 12px; box-sizing: border-box; }
    #text-input-container { width: calc(100% - 112px); }
    .submit-button-enlarged { scale: 1; }
    .outside-end { inset-block-end: calc(0.8em - 2px); }
    a { color: #0b5394; text-decoration: underline; }
    .user-message-text a { color: #ffffff; }
    a:focus-visible, button:focus-visible, [role="button"]:focus-visible, #text-input:focus-visible {
      outline: 3px solid #b45309; outline-offset: 2px;
    }
    p { margin: 0 0 0.4em; } p:last-child { margin-bottom: 0; }
    ul { margin: 0.2em 0 0.4em; padding-inline-start: 1.2em; }
    .cw-quick-replies { display: flex; flex-wrap: wrap; gap: 6px; }
    .cw-qr, .cw-retry {
      font: inherit; font-size: 15px; cursor: pointer; border-radius: 16px; padding: 6px 12px;
      border: 1px solid #0b5394; background: #ffffff; color: #0b5394;
    }
    .cw-qr:hover, .cw-retry:hover { background: #e8f0f8; }
    .cw-error { border: 1px solid #b91c1c; border-radius: 10px; background: #fef2f2; color: #7f1d1d; padding: 8px 12px; }
    .cw-error p { margin: 0 0 6px; }
    .cw-retry { border-color: #7f1d1d; color: #7f1d1d; }
    .cw-typing { display: inline-flex; gap: 4px; padding: 10px 12px; background: #eef2f6; border-radius: 10px; }
    .cw-dot { width: 7px; height: 7px; border-radius: 50%; background: #4b5563; animation: cw-blink 1.2s infinite; }
    .cw-dot:nth-child(2) { animation-delay: 0.2s; } .cw-dot:nth-child(3) { animation-delay: 0.4s; }
    @keyframes cw-blink { 0%, 80%, 100% { opacity: 0.3; } 40% { opacity: 1; } }
    @media (prefers-reduced-motion: reduce) { *, *::before, *::after { animation: none !important; transition: none !important; } }
    .cw-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  function mount() {
    document.body.append(host);
    if (storage.get(KEY + "open")) open({ focus: false });
  }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  window.CareBotWidget = { open: () => open(), close, get conversationId() { return senderId; } };
})();
