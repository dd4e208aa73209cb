/* The customer's photos on a shop's after-sale page: each chosen photo is made smaller in the browser
   before upload (longest side at most 1600 px, JPEG at quality 0.85), so a phone on a slow connection
   sends a few hundred kB instead of several MB, and thumbnails show what was chosen. The input's files
   are replaced (DataTransfer); a photo the browser cannot read is sent as it is, and without JavaScript
   (or without DataTransfer) the originals upload. The server checks every file either way.
   Loaded as a file: the Content-Security-Policy allows no inline script. */
(() => {
  "use strict";
  const LONGEST_SIDE = 1600;
  const QUALITY = 0.85;

  const canReplaceFiles = () => {
    try {
      return typeof DataTransfer === "function" && new DataTransfer().items !== undefined;
    } catch (error) {
      return false;
    }
  };

  const downsized = async (file) => {
    if (!file.type.startsWith("image/") || typeof createImageBitmap !== "function") {
      return file;
    }
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) {
      return file; // not readable here (e.g. HEIC on some browsers): the server decides
    }
    const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    const context = canvas.getContext("2d");
    if (!context) {
      return file;
    }
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    if (typeof bitmap.close === "function") {
      bitmap.close();
    }
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
    if (!blob || (blob.size >= file.size && file.type === "image/jpeg" && scale === 1)) {
      return file;
    }
    const stem = (file.name || "photo").replace(/\.[^.]*$/, "") || "photo";
    return new File([blob], `${stem}.jpg`, { type: "image/jpeg", lastModified: Date.now() });
  };

  const showPreviews = (list, files) => {
    if (!list) {
      return;
    }
    for (const img of list.querySelectorAll("img")) {
      URL.revokeObjectURL(img.src);
    }
    list.replaceChildren();
    for (const file of files) {
      const item = document.createElement("li");
      const img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      item.append(img);
      list.append(item);
    }
  };

  const setUp = (input) => {
    const field = input.closest(".field") || input.parentElement;
    const list = field.querySelector("[data-photo-previews]");
    const status = field.querySelector("[data-photo-status]");
    const submit = input.form ? input.form.querySelector("button[type=submit]") : null;
    const replace = canReplaceFiles();

    input.addEventListener("change", async () => {
      const chosen = Array.from(input.files || []);
      if (!replace || chosen.length === 0) {
        showPreviews(list, chosen);
        return;
      }
      if (status) {
        status.hidden = false;
        status.textContent = input.dataset.workingText || "…";
      }
      if (submit) {
        submit.disabled = true;
      }
      try {
        const smaller = await Promise.all(chosen.map(downsized));
        const transfer = new DataTransfer();
        for (const file of smaller) {
          transfer.items.add(file);
        }
        input.files = transfer.files;
        showPreviews(list, smaller);
      } finally {
        if (status) {
          status.hidden = true;
          status.textContent = "";
        }
        if (submit) {
          submit.disabled = false;
        }
      }
    });
  };

  const start = () => {
    for (const input of document.querySelectorAll("input[type=file][data-photo-downsize]")) {
      setUp(input);
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
