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

  // The widget's own texts, one block per language the bot speaks (languages/__init__.py: LANGUAGES).
  // Every language has every key; `{limit}` and `{length}` are filled in with localised numbers.
  // TRANSLATIONS NOT YET REVIEWED BY NATIVE SPEAKERS: ko, ru, zh (simplified), mn (Cyrillic) and ar are an
  // engineer's machine-assisted translations, like the bot's catalog (messages/locales/*/LC_MESSAGES/bot.po,
  // X-Reviewed-By-Native-Speaker: false); have a native speaker review a block before relying on it, and
  // keep the sentences polite and plain, for patients and their families.
  const STRINGS = {
    en: {
      name: "English",
      title: "Cancer care assistant",
      launcher: "Chat with us",
      close: "Close chat",
      language: "Language",
      placeholder: "Type your question",
      send: "Send",
      intro: "Hello. I can give information about cancer care in Korea for international patients: " +
        "cancers, stem-cell transplants, CAR-T, childhood cancers, skin cancer, ovarian cancer surgery, " +
        "clinical trials and follow-up care. You can write in English, Korean, Russian, Chinese, Mongolian or Arabic.",
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
      name: "한국어",
      title: "암 진료 안내 도우미",
      launcher: "채팅 상담",
      close: "채팅 닫기",
      language: "언어",
      placeholder: "질문을 입력하세요",
      send: "보내기",
      intro: "안녕하세요. 해외 환자를 위한 한국의 암 진료 정보를 안내해 드립니다: 암, 조혈모세포이식, CAR-T, " +
        "소아암, 피부암, 난소암 수술, 임상시험, 추적 관리. 한국어, 영어, 러시아어, 중국어, 몽골어, 아랍어로 질문하실 수 있습니다.",
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
    ru: {
      name: "Русский",
      title: "Помощник по лечению рака",
      launcher: "Написать нам",
      close: "Закрыть чат",
      language: "Язык",
      placeholder: "Введите Ваш вопрос",
      send: "Отправить",
      intro: "Здравствуйте! Я рассказываю иностранным пациентам о лечении рака в Корее: онкологические " +
        "заболевания, трансплантация стволовых клеток, CAR-T-терапия, рак у детей, рак кожи, операции при раке " +
        "яичников, клинические исследования и наблюдение после лечения. Вы можете писать по-русски, " +
        "по-английски, по-корейски, по-китайски, по-монгольски или по-арабски.",
      notice: "Это только информация, а не медицинская консультация. В экстренной ситуации звоните 119 в Корее " +
        "или по местному номеру экстренной помощи.",
      suggestions: "Варианты ответа",
      error: "Извините, помощник сейчас недоступен. Ваше сообщение сохранено, его можно отправить ещё раз.",
      retry: "Повторить",
      retrying: "Отправляем Ваше сообщение ещё раз",
      tooLong: "Ваше сообщение слишком длинное: помощник читает не более {limit} символов за раз. Пожалуйста, " +
        "сократите его или разделите на несколько сообщений. Ваш текст возвращён в поле ввода.",
      counter: "{length} из {limit} символов",
      atLimit: "Достигнут предел в {limit} символов. Пожалуйста, отправьте остальное отдельным сообщением.",
      loadFailed: "Не удалось загрузить чат. Пожалуйста, обновите страницу.",
    },
    zh: {
      name: "中文",
      title: "癌症诊疗咨询助手",
      launcher: "在线咨询",
      close: "关闭对话",
      language: "语言",
      placeholder: "请输入您的问题",
      send: "发送",
      intro: "您好！我可以为国际患者介绍韩国的癌症诊疗信息：各类癌症、造血干细胞移植、CAR-T 治疗、儿童癌症、" +
        "皮肤癌、卵巢癌手术、临床试验以及治疗后的随访。您可以用中文、英语、韩语、俄语、蒙古语或阿拉伯语提问。",
      notice: "仅提供信息，不构成医疗建议。如遇紧急情况，在韩国请拨打 119，或拨打您所在地的急救电话。",
      suggestions: "推荐回复",
      error: "抱歉，助手暂时无法使用。您的消息已保留，可以再次发送。",
      retry: "重试",
      retrying: "正在重新发送您的消息",
      tooLong: "您的消息太长了：助手每次最多读取 {limit} 个字符。请缩短内容，或分成几条消息发送。您的文字已放回输入框。",
      counter: "{length} / {limit} 个字符",
      atLimit: "已达到 {limit} 个字符的上限。请将其余内容另发一条消息。",
      loadFailed: "无法加载对话。请刷新页面。",
    },
    mn: {
      name: "Монгол",
      title: "Хорт хавдрын эмчилгээний туслах",
      launcher: "Чатаар асуух",
      close: "Чатыг хаах",
      language: "Хэл",
      placeholder: "Асуултаа бичнэ үү",
      send: "Илгээх",
      intro: "Сайн байна уу. Би гадаадын өвчтөнүүдэд Солонгос дахь хорт хавдрын эмчилгээний талаар мэдээлэл " +
        "өгнө: хорт хавдар, үүдэл эсийн шилжүүлэн суулгалт, CAR-T эмчилгээ, хүүхдийн хорт хавдар, арьсны хорт " +
        "хавдар, өндгөвчний хорт хавдрын мэс засал, эмнэлзүйн судалгаа, эмчилгээний дараах хяналт. Та монгол, " +
        "англи, солонгос, орос, хятад эсвэл араб хэлээр бичиж болно.",
      notice: "Энэ нь зөвхөн мэдээлэл бөгөөд эмнэлгийн зөвлөгөө биш юм. Яаралтай үед Солонгост 119 руу, эсвэл " +
        "өөрийн байгаа газрын яаралтай тусламжийн дугаар руу залгаарай.",
      suggestions: "Санал болгох хариултууд",
      error: "Уучлаарай, туслах одоогоор ажиллахгүй байна. Таны мессеж хадгалагдсан тул дахин илгээх боломжтой.",
      retry: "Дахин оролдох",
      retrying: "Таны мессежийг дахин илгээж байна",
      tooLong: "Таны мессеж хэт урт байна: туслах нэг удаад {limit} хүртэл тэмдэгт уншина. Мессежээ богиносгох " +
        "эсвэл хэд хэдэн мессеж болгон хувааж илгээнэ үү. Таны бичсэн текстийг бичих талбарт буцааж оруулсан.",
      counter: "{limit} тэмдэгтээс {length}",
      atLimit: "Та {limit} тэмдэгтийн хязгаарт хүрлээ. Үлдсэнийг нь өөр мессежээр илгээнэ үү.",
      loadFailed: "Чатыг ачаалж чадсангүй. Хуудсаа дахин ачаална уу.",
    },
    ar: {
      name: "العربية",
      title: "مساعد رعاية مرضى السرطان",
      launcher: "تحدّث معنا",
      close: "إغلاق المحادثة",
      language: "اللغة",
      placeholder: "اكتب سؤالك",
      send: "إرسال",
      intro: "مرحبًا. يمكنني تقديم معلومات للمرضى الدوليين عن علاج السرطان في كوريا: أنواع السرطان، وزراعة " +
        "الخلايا الجذعية، والعلاج بخلايا CAR-T، وسرطانات الأطفال، وسرطان الجلد، وجراحة سرطان المبيض، والتجارب " +
        "السريرية، والمتابعة بعد العلاج. يمكنك الكتابة بالعربية أو الإنجليزية أو الكورية أو الروسية أو الصينية أو المنغولية.",
      notice: "هذه معلومات فقط وليست استشارة طبية. في حالة الطوارئ اتصل بالرقم 119 في كوريا أو برقم الطوارئ المحلي لديك.",
      suggestions: "ردود مقترحة",
      error: "عذرًا، المساعد غير متاح الآن. رسالتك محفوظة، ويمكنك إرسالها مرة أخرى.",
      retry: "إعادة المحاولة",
      retrying: "جارٍ إرسال رسالتك مرة أخرى",
      tooLong: "رسالتك طويلة جدًا: يقرأ المساعد حتى {limit} حرف في المرة الواحدة. يُرجى اختصارها أو تقسيمها " +
        "إلى عدة رسائل. أعدنا نصّك إلى مربع الرسالة.",
      counter: "{length} من {limit} حرف",
      atLimit: "لقد بلغت الحد الأقصى وهو {limit} حرف. يُرجى إرسال الباقي في رسالة أخرى.",
      loadFailed: "تعذّر تحميل المحادثة. يُرجى إعادة تحميل الصفحة.",
    },
  };
  const LANGUAGES = Object.keys(STRINGS); // the menu's order
  const RIGHT_TO_LEFT = new Set(["ar"]);
  // numbers in the counter and the too-long notice; Arabic with the digits the bot's own replies use
  const NUMBER_LOCALES = { en: "en-US", ko: "ko-KR", ru: "ru-RU", zh: "zh-CN", mn: "mn-MN", ar: "ar-u-nu-latn" };
  // System fonts only (nothing is downloaded): Latin and Cyrillic first, then Hangul, simplified Chinese
  // and Arabic fonts of macOS/iOS, Windows, Android and Linux; Chinese puts its own fonts before the
  // Korean ones, so that shared Han characters take Chinese shapes. widget.css holds the same stacks.
  const FONT_LATIN = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial";
  const FONT_HANGUL = "'Apple SD Gothic Neo', 'Malgun Gothic', 'Noto Sans KR', 'Noto Sans CJK KR', NanumGothic";
  const FONT_HANS = "'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans SC', 'Noto Sans CJK SC', " +
    "'Source Han Sans SC', 'WenQuanYi Micro Hei'";
  const FONT_ARABIC = "'Geeza Pro', 'Noto Sans Arabic', 'Noto Naskh Arabic', Tahoma, 'DejaVu Sans', sans-serif";
  const fontFor = (code) => [FONT_LATIN, ...(code === "zh" ? [FONT_HANS, FONT_HANGUL] : [FONT_HANGUL, FONT_HANS]),
    FONT_ARABIC].join(", ");

  // --- configuration from the script tag ------------------------------------------------------------
  const data = script.dataset;
  const botUrl = (data.botUrl || "").trim().replace(/\/+$/, "");
  // one of the six languages from a language tag ("ko", "ko-KR", "zh-Hans-CN", "ar_SA"), else null
  const supported = (tag) => {
    const primary = String(tag || "").trim().toLowerCase().split(/[-_]/)[0];
    return LANGUAGES.includes(primary) ? primary : null;
  };
  // the embedding page's own choice; an explicit choice, so it is sent to the bot with every message
  const embedLanguage = supported(data.lang);
  const pageLanguage = supported(document.documentElement.lang);
  // data-title is written in the page's language: shown while the widget speaks that language
  const titleLanguage = embedLanguage || pageLanguage || "en";
  const assetBase = new URL("./", script.src);
  const REQUEST_TIMEOUT_MS = 30000;
  const MAX_TRANSCRIPT = 200;
  // the server's MAX_MESSAGE_CHARS, passed by the page (data-max-chars); the counter appears at 80 %
  const DEFAULT_MAX_CHARS = 2000;
  const parsedMaxChars = Number.parseInt(data.maxChars || "", 10);
  let maxChars = parsedMaxChars >= 1 ? parsedMaxChars : DEFAULT_MAX_CHARS;
  const COUNTER_FROM = 0.8;
  const fill = (template, values) => template.replace(/\{(\w+)\}/g, (m, key) =>
    (typeof values[key] === "number" ? values[key].toLocaleString(NUMBER_LOCALES[lang]) : m));
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

  // --- the widget's language ----------------------------------------------------------------------------
  // First the embed's data-lang, then the page's <html lang>, then the browser's language, else English.
  // A language chosen in the menu is kept with the conversation ({code, chosen, embed}) and wins over
  // these after a reload, unless the page now embeds the widget with another data-lang (the demo page's
  // language links). Only a chosen language (the menu's or data-lang) goes to the bot, as the message
  // metadata `language`; otherwise the bot detects the language of each message.
  let lang;
  let chosen;
  let T;
  {
    const kept = storage.json(KEY + "language", null);
    if (kept && LANGUAGES.includes(kept.code) && kept.embed === (embedLanguage || "")) {
      lang = kept.code;
      chosen = kept.chosen === true;
    } else {
      lang = embedLanguage || pageLanguage || supported(navigator.language) || "en";
      chosen = Boolean(embedLanguage);
      if (kept) storage.remove(KEY + "language");
    }
    T = STRINGS[lang];
  }
  const titleFor = (code) =>
    ((data.title || "").trim() && code === titleLanguage ? data.title.trim() : STRINGS[code].title);

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

  function linkOf(kept, url, email, phone) {
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
  }

  // Right-to-left text (Arabic): a number with separators in it (a date 1979-03-02, a file name
  // 001_2893836f.txt, a reference) would be shown with its parts in reverse order by the bidi algorithm;
  // each is isolated left to right (U+2066 ... U+2069). Links get dir="ltr" from the link renderer.
  const RTL_LETTERS = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;
  const LTR_TOKEN = /\+?[A-Za-z0-9](?:[\w.\-+/:@#]*[A-Za-z0-9])?/g;
  const isolateLtr = (text) => text.replace(LTR_TOKEN, (token) =>
    (/\d/.test(token) && /[_.\-+/:@#]/.test(token) ? `\u2066${token}\u2069` : token));

  function linkify(line, isolate) {
    const gap = isolate ? isolateLtr : (text) => text;
    let out = "";
    let last = 0;
    for (const match of line.matchAll(LINKABLE)) {
      out += gap(line.slice(last, match.index)) + linkOf(match[1], match[2], match[3], match[4]);
      last = match.index + match[0].length;
    }
    return out + gap(line.slice(last));
  }

  function toMarkdown(text) {
    const isolate = RTL_LETTERS.test(String(text));
    const lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    const out = [];
    lines.forEach((line, i) => {
      const isItem = /^\s*[-*] /.test(line);
      const previousIsItem = i > 0 && /^\s*[-*] /.test(lines[i - 1]);
      // a list needs a blank line before and after it, or it swallows the next line
      if (isItem && i > 0 && !previousIsItem && lines[i - 1].trim()) out.push("");
      if (!isItem && previousIsItem && line.trim() && !/^\s/.test(line)) out.push("");
      out.push(linkify(line, isolate));
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
      // dir="ltr": an address or a phone number keeps its order inside right-to-left text
      return `<a href="${escapeHtml(href)}" dir="ltr"${external}>`;
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

  const typingHtml = () => `<div class="cw-typing" role="status"><span class="cw-dot"></span><span class="cw-dot"></span>` +
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
        body: JSON.stringify({ sender: senderId, message, ...(chosen ? { metadata: { language: lang } } : {}) }),
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
  const launcherLabel = el("span");
  launcher.append(icon, launcherLabel);

  const panel = el("section", { id: "cw-panel", class: "cw-panel", role: "dialog", "aria-labelledby": "cw-title", hidden: "" });
  const header = el("header", { class: "cw-header" });
  const heading = el("h2", { id: "cw-title" });
  // the language menu: each language in its own name and script, so a patient finds theirs
  const languageLabel = el("label", { for: "cw-language", class: "cw-sr" });
  const languageMenu = el("select", { id: "cw-language", class: "cw-language" });
  for (const code of LANGUAGES) {
    languageMenu.append(el("option", { value: code, lang: code, dir: RIGHT_TO_LEFT.has(code) ? "rtl" : "ltr" },
      STRINGS[code].name));
  }
  const closeButton = el("button", { type: "button", class: "cw-close" });
  closeButton.append(el("span", { "aria-hidden": "true" }, "×"));
  header.append(heading, languageLabel, languageMenu, closeButton);
  const notice = el("p", { class: "cw-notice" });
  const body = el("div", { class: "cw-body" });
  const counter = el("p", { class: "cw-counter", hidden: "" });
  panel.append(header, notice, body, counter);
  const live = el("div", { class: "cw-sr", "aria-live": "polite", "data-carebot-live": "" });
  root.append(stylesheet, launcher, panel, live);

  // Every text of the widget in the current language; the panel (and the launcher) carry its lang and
  // direction, so screen readers pronounce it and Arabic is laid out right to left.
  function applyLanguage() {
    const dir = RIGHT_TO_LEFT.has(lang) ? "rtl" : "ltr";
    host.setAttribute("lang", lang);
    for (const node of [launcher, panel, live]) {
      node.setAttribute("lang", lang);
      node.setAttribute("dir", dir);
    }
    launcherLabel.textContent = T.launcher;
    heading.textContent = titleFor(lang);
    languageLabel.textContent = T.language;
    languageMenu.value = lang;
    closeButton.setAttribute("aria-label", T.close);
    notice.textContent = T.notice;
    const loadError = body.querySelector(".cw-load-error");
    if (loadError) loadError.textContent = T.loadFailed;
    if (!counter.hidden) updateCounter();
  }
  applyLanguage();

  // A language chosen in the menu: the widget speaks it at once and every later message asks the bot to.
  function chooseLanguage(code) {
    if (!LANGUAGES.includes(code)) return;
    const changed = code !== lang;
    lang = code;
    T = STRINGS[code];
    chosen = true;
    storage.set(KEY + "language", JSON.stringify({ code, chosen: true, embed: embedLanguage || "" }));
    if (!changed) return;
    applyLanguage();
    rebuildChatView();
  }
  languageMenu.addEventListener("change", () => chooseLanguage(languageMenu.value));

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
  let rendered = null; // resolves once the current chat view has rendered
  let busy = false;
  let rebuildPending = false; // the language changed while the bot was answering
  let quickReply = null; // {title, payload} of the button just clicked
  (window.remarkable_plugins = window.remarkable_plugins || []).push({ plugin: safeLinksPlugin });

  function chatView() {
    if (chat) return chat;
    chat = document.createElement("deep-chat");
    // a font of our own on the element also stops deep-chat from loading its default font from a CDN;
    // deep-chat fills in its own defaults (fixed size, grey border) only where the element has no style yet
    Object.assign(chat.style, { fontFamily: fontFor(lang), fontSize: "16px", width: "100%", height: "100%", border: "0", backgroundColor: "#ffffff" });
    let markRendered;
    rendered = new Promise((resolve) => { markRendered = resolve; });
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

  // deep-chat takes its texts (placeholder, Send, the intro) when it renders, and rendering again would
  // drop its messages; so a new language gets a new chat view, showing the same conversation from the
  // transcript, with anything typed but not sent kept in the message box. While the bot is answering,
  // the view is replaced once the answer is shown.
  function rebuildChatView() {
    if (!chat) return;
    if (busy) {
      rebuildPending = true;
      return;
    }
    rebuildPending = false;
    const box = messageBox();
    const typed = box ? box.textContent || "" : "";
    chat.remove(); // first, so that deep-chat's page-wide state is released before the new view takes it
    chat = null;
    chatView();
    if (typed) rendered.then(() => restoreInput(typed, { focus: false }));
  }

  function answered() {
    busy = false;
    if (rebuildPending) setTimeout(rebuildChatView, 0);
  }

  async function onSend(request, signals) {
    try {
      await sendAndShow(request, signals);
    } finally {
      answered();
    }
  }

  async function sendAndShow(request, signals) {
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
  function restoreInput(text, { focus = true } = {}) {
    const box = messageBox();
    if (!box) return;
    box.textContent = text;
    // deep-chat listens to input events: it drops the placeholder and enables Send
    box.dispatchEvent(new Event("input", { bubbles: true }));
    if (focus) focusMessageBox();
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
    chat.updateMessage({ html: typingHtml() }, index);
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
      chat.disableSubmitButton(false);
      answered();
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
    /* the message box takes the room the Send button leaves: "Send" and "Отправить" differ in length */
    #input { justify-content: flex-start; align-items: flex-end; padding-inline: 12px; box-sizing: border-box; }
    #text-input-container { flex: 1 1 auto; width: auto; min-width: 0; }
    #input > .outer-button-container { margin-inline: 0; margin-block-end: calc(0.8em + 1px); }
    #input > .outer-button-container:last-child { margin-inline-start: 8px; }
    #input > .outer-button-container > .outside-end { position: static; margin-block-end: 0; }
    .submit-button-enlarged { scale: 1; }
    a { color: #0b5394; text-decoration: underline; }
    .user-message-text a { color: #ffffff; }
    /* every paragraph takes the direction of its own first letters: Arabic right to left, an English
       sentence (a quoted fact, a source) left to right inside an Arabic answer, typed text likewise */
    .message-bubble, .message-bubble p, .message-bubble li, #text-input, .cw-qr, .cw-error p {
      unicode-bidi: plaintext; text-align: start;
    }
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
