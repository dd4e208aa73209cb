/* Reship's own behaviour on every page. The Content-Security-Policy allows no inline script or
   event handler, so what a page needs lives here, bound by data attributes. */
"use strict";

/* A select marked data-submit-on-change sends its form as soon as a choice is made (the language
   switcher); without JavaScript, the form's <noscript> button does it. */
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field instanceof HTMLSelectElement && field.hasAttribute("data-submit-on-change") && field.form) {
    field.form.submit();
  }
});

/* A file input marked data-max-bytes warns, next to itself, of each chosen file over the limit
   (its data-too-large message, "{name}" replaced); the server still checks and names it. */
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) {
    return;
  }
  const limit = Number(input.dataset.maxBytes);
  const warnings = Array.from(input.files || [])
    .filter((file) => file.size > limit)
    .map((file) => (input.dataset.tooLarge || "").replace("{name}", file.name));
  let note = input.parentElement && input.parentElement.querySelector(".file-too-large");
  if (!note) {
    note = document.createElement("p");
    note.className = "file-too-large error";
    note.setAttribute("role", "status");
    input.insertAdjacentElement("afterend", note);
  }
  note.textContent = warnings.join(" ");
  note.hidden = warnings.length === 0;
});
