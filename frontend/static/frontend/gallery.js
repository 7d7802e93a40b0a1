// Project page: the paginated item gallery with filters. Filters and page live in the address bar,
// so reloading or sharing the link shows the same view.

import { ApiError, api } from "./api.js";
import { $, $$, clear, h, showMessage, splitLabel, statusLabel } from "./dom.js";
import { wireSplitActions } from "./split-actions.js";

const FILTERS = ["name", "kind", "split", "status", "label_class", "page_size"];
const SNIPPET_CHARS = 280;
const THUMBNAIL_RETRY_MS = 3000;
const THUMBNAIL_RETRIES = 10;

const root = $("#gallery");
if (root) wireGallery(root);

function wireGallery(root) {
  const itemsUrl = `${root.dataset.projectApi}items/`;
  const itemPage = (id) => `${root.dataset.projectPage}items/${id}/`;
  const canManage = root.dataset.role === "manager";
  const filtersForm = $("#gallery-filters");
  const grid = $("#gallery-grid");
  const state = { page: 1, count: 0, items: [], selected: new Set(), thumbnailRetries: 0, retryTimer: null };
  const actions = canManage ? wireSplitActions({ itemsUrl, state, reload: () => load() }) : null;

  readAddress();
  filtersForm.addEventListener("submit", (event) => event.preventDefault());
  filtersForm.addEventListener("change", (event) => {
    if (event.target.name !== "name") restart();
  });
  let typing = null;
  filtersForm.elements.name.addEventListener("input", () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(restart, 300);
  });
  $("#page-prev").addEventListener("click", () => goTo(state.page - 1));
  $("#page-next").addEventListener("click", () => goTo(state.page + 1));
  load();

  function filters() {
    const values = {};
    for (const name of FILTERS) values[name] = filtersForm.elements[name].value.trim();
    return values;
  }

  function readAddress() {
    const params = new URLSearchParams(window.location.search);
    for (const name of FILTERS) {
      const value = params.get(name);
      const field = filtersForm.elements[name];
      if (value === null) continue;
      // A select only takes values it offers; anything else (an old link) falls back to "All".
      if (field.tagName !== "SELECT" || Array.from(field.options).some((option) => option.value === value)) {
        field.value = value;
      }
    }
    state.page = Math.max(1, Number.parseInt(params.get("page") || "1", 10) || 1);
  }

  function writeAddress() {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(filters())) if (value && !(name === "page_size" && value === "48")) params.set(name, value);
    if (state.page > 1) params.set("page", String(state.page));
    const query = params.toString();
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  }

  function restart() {
    state.page = 1;
    load();
  }

  function goTo(page) {
    state.page = page;
    load().then(() => grid.querySelector("a, input")?.focus());
  }

  async function load() {
    window.clearTimeout(state.retryTimer);
    grid.setAttribute("aria-busy", "true");
    showMessage($("#gallery-error"), "");
    writeAddress();
    try {
      const page = await api.get(itemsUrl, { ...filters(), page: state.page });
      state.count = page.count;
      state.items = page.results;
      render(page);
      state.thumbnailRetries = 0;
      scheduleThumbnailRefresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404 && state.page > 1) {
        // The page vanished (items deleted or filters narrowed): start again from the first.
        state.page = 1;
        return load();
      }
      showMessage($("#gallery-error"), error.detail || String(error));
    } finally {
      grid.setAttribute("aria-busy", "false");
    }
  }

  function render(page) {
    clear(grid);
    for (const item of page.results) grid.append(card(item));
    const pageSize = Number(filters().page_size) || page.results.length || 1;
    const pages = Math.max(1, Math.ceil(page.count / pageSize));
    $("#gallery-count").textContent = `${page.count} item${page.count === 1 ? "" : "s"}`;
    const empty = $("#gallery-empty");
    const filtered = Object.entries(filters()).some(([name, value]) => name !== "page_size" && value);
    showMessage(
      empty,
      page.count ? "" : filtered ? "No items match these filters." : "No items yet. Upload images or text to start.",
    );
    $("#gallery-pages").hidden = pages <= 1;
    $("#page-status").textContent = `Page ${state.page} of ${pages}`;
    $("#page-prev").disabled = !page.previous;
    $("#page-next").disabled = !page.next;
    if (actions) actions.refresh();
  }

  function card(item) {
    const name = item.original_name || `${item.kind === "text" ? "Text" : "Image"} item ${item.id}`;
    const selected = state.selected.has(item.id);
    return h(
      "li",
      { class: `item-card${selected ? " is-selected" : ""}`, dataset: { id: item.id } },
      canManage
        ? h(
            "label",
            { class: "item-select" },
            h("input", {
              type: "checkbox",
              checked: selected,
              "aria-label": `Select ${name}`,
              on: { change: (event) => actions.toggle(item.id, event.target.checked, event.target.closest("li")) },
            }),
          )
        : null,
      h("a", { class: "item-link", href: itemPage(item.id) }, preview(item), h("span", { class: "item-name", dir: "auto", title: name, text: name })),
      h(
        "div",
        { class: "item-badges" },
        h("span", { class: `badge split-${item.split || "none"}`, text: splitLabel(item.split) }),
        h("span", { class: `badge status-${item.status}`, text: statusLabel(item.status) }),
      ),
    );
  }

  function preview(item) {
    if (item.kind === "text") {
      const text = item.text.length > SNIPPET_CHARS ? `${item.text.slice(0, SNIPPET_CHARS)}…` : item.text;
      return h("div", { class: "item-thumb is-text" }, h("p", { class: "text-snippet", dir: "auto", text }));
    }
    if (!item.thumbnail_url) return placeholder("Preparing preview…");
    const image = h("img", { src: item.thumbnail_url, alt: "", loading: "lazy", decoding: "async" });
    image.addEventListener("error", () => image.parentElement?.replaceWith(placeholder("No preview")));
    return h("div", { class: "item-thumb" }, image);
  }

  function placeholder(text) {
    return h("div", { class: "item-thumb is-placeholder" }, h("span", { text }));
  }

  // Thumbnails are made by a background task after upload; look again for a little while.
  function scheduleThumbnailRefresh() {
    const missing = state.items.some((item) => item.kind === "image" && !item.thumbnail_url);
    if (!missing || state.thumbnailRetries >= THUMBNAIL_RETRIES) return;
    state.thumbnailRetries += 1;
    state.retryTimer = window.setTimeout(refreshThumbnails, THUMBNAIL_RETRY_MS);
  }

  async function refreshThumbnails() {
    let page;
    try {
      page = await api.get(itemsUrl, { ...filters(), page: state.page });
    } catch {
      return;
    }
    for (const fresh of page.results) {
      const current = state.items.find((item) => item.id === fresh.id);
      if (!current || current.thumbnail_url || !fresh.thumbnail_url) continue;
      current.thumbnail_url = fresh.thumbnail_url;
      const cardElement = $$(".item-card", grid).find((element) => element.dataset.id === String(fresh.id));
      cardElement?.querySelector(".item-thumb")?.replaceWith(preview(current));
    }
    scheduleThumbnailRefresh();
  }
}
