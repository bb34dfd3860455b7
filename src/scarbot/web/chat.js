// scarbot chat: small enhancements on top of Gradio's Chatbot. Nothing here fetches anything.
//
// * Copy and aria-label give the answer as plain text, citations as [1]: each message carries its
//   plain text in <input type="hidden" class="scarbot-plain">, which the server writes.
// * The input takes focus on desktop only, without scrolling (a phone keeps its title in view and
//   its keyboard closed).
// * The not-medical-advice notice is open on a first visit and folds once the patient has asked.
// * A new question scrolls the page (the only scroll) to it; a dislike shows the reason box.
(() => {
  if (window.__scarbotChat) return;
  window.__scarbotChat = true;
  const NOTICE_KEY = "scarbot.notice-read";
  const ROLE_LABEL = { bot: "scarbot's answer: ", user: "your question: " };
  let askedAt = 0;

  const plainOf = (root) => {
    const parts = [...root.querySelectorAll("input.scarbot-plain")].map((i) => i.value);
    return parts.length ? parts.join("\n\n") : null;
  };

  // --- aria-label without Markdown escapes ---------------------------------------------------------
  const fixLabel = (msg) => {
    const role = msg.getAttribute("data-testid");
    const plain = plainOf(msg);
    if (plain === null || !(role in ROLE_LABEL)) return;
    const label = ROLE_LABEL[role] + plain;
    if (msg.getAttribute("aria-label") !== label) msg.setAttribute("aria-label", label);
  };
  const fixLabels = (root) => root.querySelectorAll('[data-testid="bot"], [data-testid="user"]').forEach(fixLabel);

  // --- clean copy -----------------------------------------------------------------------------------
  const messageForButton = (button) => {
    const bar = button.closest(".message-buttons");
    let row = bar && bar.previousElementSibling;
    while (row && !row.classList.contains("message-row")) row = row.previousElementSibling;
    return row;
  };
  const copyText = (text) => {
    if (navigator.clipboard && navigator.clipboard.writeText) return navigator.clipboard.writeText(text);
    const area = document.createElement("textarea");  // no async clipboard (an old or locked-down browser)
    area.value = text;
    area.style.position = "fixed";
    area.style.left = "-9999px";
    document.body.append(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
    return Promise.resolve();
  };
  // Capture phase on window: runs before Gradio's own handler, which would copy the escaped Markdown.
  window.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest("button");
    if (!button || !button.closest("#scarbot-chat")) return;
    const label = `${button.getAttribute("aria-label") || ""} ${button.getAttribute("title") || ""}`;
    if (button.classList.contains("option")) askedAt = Date.now();
    if (/dislike/i.test(label)) setTimeout(showReason, 300);
    if (!/copy/i.test(label)) return;
    const row = messageForButton(button);
    const text = row ? plainOf(row) : null;
    if (text === null) return;  // not one of ours: let Gradio copy it
    event.stopPropagation();
    event.preventDefault();
    Promise.resolve(copyText(text)).then(() => {
      button.classList.add("scarbot-copied");
      setTimeout(() => button.classList.remove("scarbot-copied"), 2000);
    });
  }, true);

  // --- [n] chips: a tap or click opens the quote, a second one (or Escape, or a tap elsewhere) closes it
  const closeChips = (except) => document.querySelectorAll(".scarbot-cite.open").forEach((c) => {
    if (c !== except) { c.classList.remove("open"); c.classList.add("closed"); }
  });
  document.addEventListener("click", (event) => {
    const chip = event.target.closest && event.target.closest(".scarbot-cite");
    closeChips(chip);
    if (!chip) return;
    const open = !chip.classList.contains("open");
    chip.classList.toggle("open", open);
    chip.classList.toggle("closed", !open);
    if (!open) chip.blur();
  });
  document.addEventListener("pointerout", (event) => {
    const chip = event.target.closest && event.target.closest(".scarbot-cite.closed");
    if (chip && !chip.contains(event.relatedTarget)) chip.classList.remove("closed");
  });
  document.addEventListener("focusin", (event) => {
    const chip = event.target.closest && event.target.closest(".scarbot-cite.closed");
    if (chip) chip.classList.remove("closed");
  });
  document.addEventListener("keydown", (event) => {
    const chip = event.target.closest && event.target.closest(".scarbot-cite");
    if (!chip) return;
    if (event.key === "Escape") { closeChips(null); chip.classList.add("closed"); }
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); chip.click(); }
  });

  // --- notice, focus, scrolling ---------------------------------------------------------------------
  const foldNotice = () => {
    const notice = document.querySelector("#scarbot-notice details");
    if (notice) notice.open = false;
    try { localStorage.setItem(NOTICE_KEY, "1"); } catch (e) { /* private mode */ }
  };
  const asked = () => { askedAt = Date.now(); foldNotice(); };
  document.addEventListener("click", (event) => {
    const t = event.target;
    if (t.closest && (t.closest("#scarbot-send") || t.closest("#scarbot-chat .example") ||
        t.closest("#scarbot-chat button.option"))) asked();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && event.target.closest && event.target.closest("#scarbot-input")) asked();
  });
  const showReason = () => {
    const box = document.querySelector("#scarbot-reason");
    if (box && box.offsetParent !== null) box.scrollIntoView({ block: "nearest" });
  };

  // An opened sources panel is brought fully into view (above the input bar) when it fits.
  document.addEventListener("toggle", (event) => {
    const panel = event.target;
    if (panel.matches && panel.matches("details.scarbot-sources") && panel.open) {
      panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }, true);

  let users = -1;
  const followNewQuestion = (chat) => {
    const all = chat.querySelectorAll('[data-testid="user"]');
    if (users >= 0 && all.length > users && Date.now() - askedAt < 5000) {
      const row = all[all.length - 1].closest(".message-row") || all[all.length - 1];
      const top = row.getBoundingClientRect().top + window.scrollY - 8;
      window.scrollTo({ top: Math.max(top, 0), behavior: "smooth" });
    }
    users = all.length;
  };

  const start = () => {
    const chat = document.querySelector("#scarbot-chat");
    const input = document.querySelector("#scarbot-input textarea");
    if (!chat || !input) { setTimeout(start, 50); return; }
    try {
      if (localStorage.getItem(NOTICE_KEY)) {
        const notice = document.querySelector("#scarbot-notice details");
        if (notice) notice.open = false;
      }
    } catch (e) { /* private mode */ }
    const wide = window.matchMedia("(min-width: 768px) and (hover: hover) and (pointer: fine)").matches;
    const focusInput = () => {
      const active = document.activeElement;
      if (wide && (!active || active === document.body)) input.focus({ preventScroll: true });
    };
    focusInput();
    setTimeout(focusInput, 400);  // Gradio may still be mounting
    fixLabels(chat);
    users = chat.querySelectorAll('[data-testid="user"]').length;
    new MutationObserver(() => { fixLabels(chat); followNewQuestion(chat); })
      .observe(chat, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"],
                       characterData: true });
  };
  start();
})();
