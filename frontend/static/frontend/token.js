// API token page: copy buttons.

import { $$, announce } from "./dom.js";

for (const button of $$("[data-copy]")) {
  button.addEventListener("click", async () => {
    const source = document.querySelector(button.dataset.copy);
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = "Copied";
      announce("Copied to the clipboard.");
    } catch {
      // Clipboard access needs a secure context; select the text so Ctrl+C works instead.
      window.getSelection().selectAllChildren(source);
      button.textContent = "Press Ctrl+C";
    }
    window.setTimeout(() => {
      button.textContent = "Copy";
    }, 2000);
  });
}
