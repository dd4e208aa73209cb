/* Ticking lines to print on the to-ship list, and the Print button of the print pages. The
   Content-Security-Policy allows no inline script, so both are bound here by data attributes.
   Without JavaScript the page still works: a request's own box prints all its lines to ship
   (the server expands it), and the browser's own Print prints the page. */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-print-selection]");
  if (form) {
    const allBox = form.querySelector("[data-select-all]");
    const all = allBox ? allBox.querySelector("input") : null;
    const groups = Array.from(form.querySelectorAll("[data-select-group]"));
    const linesOf = (group) => Array.from(group.querySelectorAll("[data-select-line]"));

    const refresh = () => {
      let ticked = 0;
      let total = 0;
      for (const group of groups) {
        const lines = linesOf(group);
        const on = lines.filter((box) => box.checked).length;
        const whole = group.querySelector("[data-select-group-all]");
        whole.checked = lines.length > 0 && on === lines.length;
        whole.indeterminate = on > 0 && on < lines.length;
        ticked += on;
        total += lines.length;
      }
      if (all) {
        all.checked = total > 0 && ticked === total;
        all.indeterminate = ticked > 0 && ticked < total;
      }
    };

    form.addEventListener("change", (event) => {
      const box = event.target;
      if (!(box instanceof HTMLInputElement)) return;
      if (box.hasAttribute("data-select-group-all")) {
        for (const line of linesOf(box.closest("[data-select-group]"))) line.checked = box.checked;
      } else if (box === all) {
        for (const line of form.querySelectorAll("[data-select-line]")) line.checked = box.checked;
      }
      refresh();
    });

    if (allBox) allBox.hidden = false;
    refresh();
  }

  for (const button of document.querySelectorAll("[data-print-page]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
