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
