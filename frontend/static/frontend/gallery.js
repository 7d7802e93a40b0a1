// Project page: the paginated item gallery of one dataset version, with filters. Version, filters and
// page live in the address bar, so reloading or sharing the link shows the same view.

import { ApiError, api, withQuery } from "./api.js";
import { $, $$, announce, clear, h, showMessage, splitLabel, statusLabel } from "./dom.js";
import { wireSplitActions } from "./split-actions.js";

const FILTERS = ["name", "kind", "split", "status", "label_class", "page_size"];
const SNIPPET_CHARS = 280;
const THUMBNAIL_RETRY_MS = 3000;
const THUMBNAIL_RETRIES = 10;

const root = $("#gallery");
if (root) wireGallery(root);

function wireGallery(root) {
  const itemsUrl = `${root.dataset.projectApi}items/`;
  const canManage = root.dataset.role === "manager";
  const filtersForm = $("#gallery-filters");
  const grid = $("#gallery-grid");
  const versionSelect = $("#gallery-version");
  const defaultVersion = versionSelect?.dataset.defaultVersion || "";
  const state = {
    page: 1,
    count: 0,
    items: [],
    selected: new Set(),
    thumbnailRetries: 0,
    retryTimer: null,
    // The version shown: "" is the default dataset's working version (the API's default too).
    version: "",
    frozen: false,
  };
  const actions = canManage ? wireSplitActions({ itemsUrl, state, reload: () => load() }) : null;
  const versionQuery = () => (state.version && state.version !== defaultVersion ? `?version=${state.version}` : "");
  const itemPage = (id) => `${root.dataset.projectPage}items/${id}/${versionQuery()}`;

  readAddress();
  showVersion();
  versionSelect?.addEventListener("change", () => {
    // Selected ids belong to the version they were picked in.
    state.selected.clear();
    showVersion();
    announce(`Showing ${versionSelect.selectedOptions[0].textContent}.`);
    restart();
  });
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

  /** Take the chosen version from the selector: its note, the export link and whether splits can change. */
  function showVersion() {
    const option = versionSelect?.selectedOptions[0];
    state.version = option ? option.value : "";
    state.frozen = option ? option.dataset.working !== "true" : false;
    const note = $("#version-note");
    if (note && option) {
      clear(note);
      if (!state.frozen) {
        note.append("The working version: uploads and imports add items here, and its splits can change.");
      } else if (option.dataset.job) {
        const job = option.dataset.jobUrl
          ? h("a", { href: option.dataset.jobUrl, text: `augmentation job ${option.dataset.job}` })
          : `augmentation job ${option.dataset.job}`;
        note.append("A frozen snapshot made by ", job, "; augmented items are marked.");
      } else {
        note.append("A frozen snapshot; its items and splits do not change.");
      }
    }
    const exportLink = $("#export-link");
    if (exportLink) exportLink.href = `${exportLink.dataset.baseUrl}${versionQuery()}`;
    if (actions) actions.setFrozen(state.frozen);
  }

  function writeAddress() {
    const params = new URLSearchParams();
    if (state.version && state.version !== defaultVersion) params.set("version", state.version);
    for (const [name, value] of Object.entries(filters())) if (value && !(name === "page_size" && value === "48")) params.set(name, value);
    if (state.page > 1) params.set("page", String(state.page));
    const query = params.toString();
    window.history.replaceState(null, "", query ? `?${query}` : window.location.pathname);
  }

  function query() {
    return { ...filters(), version: state.version, page: state.page };
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
      const page = await api.get(itemsUrl, query());
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
      page.count
        ? ""
        : filtered
          ? "No items match these filters."
          : state.frozen
            ? "This version has no items."
            : "No items yet. Upload images or text to start.",
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
        isAugmented(item)
          ? h("span", { class: "badge badge-augmented", title: augmentedTitle(item), text: "Augmented" })
          : null,
      ),
    );
  }

  function isAugmented(item) {
    return Boolean(item.source_item || (item.provenance && item.provenance.job));
  }

  function augmentedTitle(item) {
    const provenance = item.provenance || {};
    const parts = [];
    if (provenance.job) parts.push(`job ${provenance.job}`);
    if (item.source_item || provenance.source_item) parts.push(`from item ${item.source_item || provenance.source_item}`);
    if (provenance.copy_index !== undefined) parts.push(`copy ${provenance.copy_index}`);
    return parts.length ? `Augmented: ${parts.join(", ")}` : "Augmented";
  }

  function preview(item) {
    if (item.kind === "text") {
      const text = item.text.length > SNIPPET_CHARS ? `${item.text.slice(0, SNIPPET_CHARS)}…` : item.text;
      return h("div", { class: "item-thumb is-text" }, h("p", { class: "text-snippet", dir: "auto", text }));
    }
    if (!item.thumbnail_url) return placeholder("Preparing preview…");
    // The file and thumbnail URLs name no version; an item that is only in this version needs it named.
    const image = h("img", { src: withQuery(item.thumbnail_url, { version: state.version }), alt: "", loading: "lazy", decoding: "async" });
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
      page = await api.get(itemsUrl, query());
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
