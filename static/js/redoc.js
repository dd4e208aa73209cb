/* Starts ReDoc on the API docs page (templates/drf_spectacular/redoc.html): a file, not an inline
   script, for the Content-Security-Policy. ReDoc writes its styles into <style> elements; given
   this script's nonce, it marks them with it, and the page's policy allows that nonce. */
"use strict";
(() => {
  const container = document.getElementById("redoc-container");
  Redoc.init(container.dataset.specUrl, { nonce: document.currentScript.nonce }, container);
})();
