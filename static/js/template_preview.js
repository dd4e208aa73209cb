/* The live preview of a shop's message template (account/shop_message.html). As the seller types,
   the texts are sent (POST, with the form's CSRF token) to the preview endpoint, which checks them
   and fills them with sample values; the answer replaces the preview. The Content-Security-Policy
   allows no inline script, so the forms are found by their data attributes. Without JavaScript the
   form's "Preview" button asks the server for the same page with the preview filled in. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const DELAY_MS = 350;

  for (const form of document.querySelectorAll("form[data-template-preview]")) {
    const url = form.getAttribute("data-template-preview");
    const pane = document.querySelector(
      `[data-preview-for="${form.getAttribute("data-language")}"]`,
    );
    if (!url || !pane) continue;
    let timer = null;
    let latest = 0;

    const show = (answer) => {
      for (const name of ["subject", "body", "sms", "sms_length"]) {
        const target = pane.querySelector(`[data-preview="${name}"]`);
        if (target) target.textContent = String(answer[name] ?? "");
      }
      for (const name of ["subject", "body", "sms"]) {
        const target = pane.querySelector(`[data-preview-error="${name}"]`);
        if (!target) continue;
        const problems = (answer.errors && answer.errors[name]) || [];
        target.textContent = problems.join(" ");
        target.hidden = problems.length === 0;
      }
    };

    const refresh = async () => {
      const ticket = ++latest;
      try {
        const response = await fetch(url, {
          method: "POST",
          body: new FormData(form),
          credentials: "same-origin",
          headers: { "X-Requested-With": "XMLHttpRequest" },
        });
        if (!response.ok || ticket !== latest) return;
        show(await response.json());
      } catch (_error) {
        /* offline: the Preview button still works */
      }
    };

    form.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, DELAY_MS);
    });
    const button = form.querySelector("[data-preview-button]");
    if (button) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        refresh();
      });
    }
  }
});
