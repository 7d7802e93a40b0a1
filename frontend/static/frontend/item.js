// Item page: the image or the text, its details, and (for managers) its split.

import { api, withQuery } from "./api.js";
import { $, announce, clear, h, showMessage, splitLabel, statusLabel } from "./dom.js";
import { clearErrors, setBusy, showErrors } from "./forms.js";

const root = $("#item-view");
if (root) wireItem(root);

function wireItem(root) {
  const itemUrl = root.dataset.itemApi;
  const content = $(".item-content", root);
  const splitForm = $("#item-split-form");

  load();

  async function load() {
    try {
      const item = await api.get(itemUrl);
      renderContent(item);
      renderMeta(item);
      if (splitForm) {
        splitForm.elements.split.value = item.split || "";
        splitForm.hidden = false;
      }
    } catch (error) {
      clear(content).append(h("p", { class: "muted", text: "The item could not be loaded." }));
      showMessage($("#item-error"), error.detail);
    }
  }

  function renderContent(item) {
    clear(content);
    const name = item.original_name || `Item ${item.id}`;
    if (item.kind === "text") {
      content.append(h("pre", { class: "text-item", dir: "auto", tabindex: "0", "aria-label": "Text", text: item.text }));
      return;
    }
    // The file URL names no version; an item that is only in an augmented version needs it named.
    const image = h("img", { class: "item-image", src: withQuery(item.file_url, { version: root.dataset.version }), alt: name });
    if (item.width && item.height) {
      image.width = item.width;
      image.height = item.height;
    }
    image.addEventListener("error", () => image.replaceWith(h("p", { class: "muted", text: "The image could not be shown." })));
    content.append(h("div", { class: "image-frame" }, image));
  }

  function renderMeta(item) {
    const rows = [
      ["Kind", item.kind === "text" ? "Text" : "Image"],
      ["File name", item.original_name || "—"],
      ["Size", item.kind === "image" && item.width ? `${item.width} × ${item.height} px` : null],
      ["Characters", item.kind === "text" ? item.text.length.toLocaleString() : null],
      ["Status", statusLabel(item.status)],
      ["Version", root.dataset.versionLabel || null],
      ["Split", splitLabel(item.split)],
      ["Added", new Date(item.created_at).toLocaleString()],
      ["SHA-256", item.sha256],
    ];
    const list = clear($("#item-meta"));
    for (const [term, value] of rows) {
      if (value === null) continue;
      const mono = term === "SHA-256" ? " is-code" : "";
      list.append(h("div", { class: `meta-row${mono}` }, h("dt", { text: term }), h("dd", { dir: "auto", text: value })));
    }
  }

  splitForm?.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(splitForm);
    setBusy(splitForm, true);
    try {
      const item = await api.patch(itemUrl, { split: splitForm.elements.split.value });
      renderMeta(item);
      announce(`Split set to ${splitLabel(item.split)}.`);
    } catch (error) {
      showErrors(splitForm, error);
    } finally {
      setBusy(splitForm, false);
    }
  });
}
