// The region list beside the image: one row per region (class, kind, area, comment), virtualised so a
// thousand regions cost as much as the thirty on screen. It is a multi-select listbox: click, Shift/Ctrl
// click, arrow keys; the rows are drawn from the state on demand.

import { clear, h } from "../dom.js";

const OVERSCAN = 6;

export class RegionList {
  /**
   * renderRow(region) → element content; isSelected(key); onSelect(key, {add, range}); onActivate(key).
   */
  constructor(container, { rowHeight = 34, renderRow, isSelected, onSelect, label = "Regions" }) {
    this.container = container;
    this.rowHeight = rowHeight;
    this.renderRow = renderRow;
    this.isSelected = isSelected;
    this.onSelect = onSelect;
    this.regions = [];
    this.activeIndex = -1;
    this.idPrefix = `region-row-${Math.random().toString(36).slice(2, 8)}-`;
    clear(container);
    this.viewport = h("div", {
      class: "region-list",
      role: "listbox",
      tabindex: "0",
      "aria-label": label,
      "aria-multiselectable": "true",
    });
    this.spacer = h("div", { class: "region-list-spacer" });
    this.viewport.append(this.spacer);
    this.empty = h("p", { class: "muted region-list-empty", text: "No regions yet." });
    container.append(this.viewport, this.empty);
    this.viewport.addEventListener("scroll", () => this.paint(), { passive: true });
    this.viewport.addEventListener("keydown", (event) => this.onKey(event));
    this.viewport.addEventListener("click", (event) => {
      const row = event.target.closest("[data-key]");
      if (!row) return;
      this.activeIndex = Number(row.dataset.index);
      this.onSelect(row.dataset.key, { add: event.ctrlKey || event.metaKey, range: event.shiftKey });
    });
    this.resizeObserver = new ResizeObserver(() => this.paint());
    this.resizeObserver.observe(this.viewport);
  }

  destroy() {
    this.resizeObserver.disconnect();
  }

  setRegions(regions) {
    this.regions = regions;
    this.spacer.style.height = `${regions.length * this.rowHeight}px`;
    this.empty.hidden = regions.length > 0;
    this.viewport.hidden = regions.length === 0;
    if (this.activeIndex >= regions.length) this.activeIndex = regions.length - 1;
    this.paint();
  }

  /** Redraw the visible rows (after a selection or edit). */
  paint() {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 400;
    const first = Math.max(0, Math.floor(top / this.rowHeight) - OVERSCAN);
    const last = Math.min(this.regions.length, Math.ceil((top + height) / this.rowHeight) + OVERSCAN);
    const rows = [];
    for (let index = first; index < last; index += 1) {
      const region = this.regions[index];
      const selected = this.isSelected(region.key);
      const row = h(
        "div",
        {
          class: `region-row${selected ? " is-selected" : ""}${index === this.activeIndex ? " is-active" : ""}`,
          role: "option",
          id: `${this.idPrefix}${index}`,
          "aria-selected": String(selected),
          "aria-setsize": String(this.regions.length),
          "aria-posinset": String(index + 1),
          dataset: { key: region.key, index: String(index) },
        },
        this.renderRow(region, index),
      );
      row.style.top = `${index * this.rowHeight}px`;
      row.style.height = `${this.rowHeight}px`;
      rows.push(row);
    }
    this.spacer.replaceChildren(...rows);
    if (this.activeIndex >= first && this.activeIndex < last) {
      this.viewport.setAttribute("aria-activedescendant", `${this.idPrefix}${this.activeIndex}`);
    } else this.viewport.removeAttribute("aria-activedescendant");
  }

  scrollToKey(key) {
    const index = this.regions.findIndex((r) => r.key === key);
    if (index < 0) return;
    this.activeIndex = index;
    const top = index * this.rowHeight;
    const view = this.viewport;
    if (top < view.scrollTop) view.scrollTop = top;
    else if (top + this.rowHeight > view.scrollTop + view.clientHeight)
      view.scrollTop = top + this.rowHeight - view.clientHeight;
    this.paint();
  }

  onKey(event) {
    const moves = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10, Home: -Infinity, End: Infinity };
    if (!(event.key in moves) || event.ctrlKey || event.altKey || !this.regions.length) return;
    event.preventDefault();
    event.stopPropagation();
    const step = moves[event.key];
    let index = this.activeIndex < 0 ? 0 : this.activeIndex + (Number.isFinite(step) ? step : 0);
    if (step === -Infinity) index = 0;
    if (step === Infinity) index = this.regions.length - 1;
    index = Math.max(0, Math.min(this.regions.length - 1, index));
    this.activeIndex = index;
    this.onSelect(this.regions[index].key, { add: false, range: event.shiftKey, fromKeyboard: true });
    this.scrollToKey(this.regions[index].key);
  }
}
