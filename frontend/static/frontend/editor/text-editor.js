// The text editor: the item's text exactly as stored (whitespace, right-to-left runs, emoji and combining
// marks untouched, always as text nodes), spans drawn as coloured underlines in lanes so overlapping spans
// stay readable, and text classes as toggles.
//
// Offsets are Unicode code points, as the API wants: JavaScript strings count UTF-16 units, so every
// conversion between a DOM position and an offset goes through code point counts (an emoji is one code
// point and two UTF-16 units; "é" written as e + U+0301 is two code points and one grapheme).

import { clear, h } from "../dom.js";
import { ClassPicker } from "./class-picker.js";
import { addRegions, removeRegions, updateRegions } from "./history.js";
import { classKeys } from "./hotkeys.js";
import { RegionList } from "./region-list.js";
import { newRegionKey } from "./regions.js";
import { Classifier } from "./tools/classify.js";

const LANE_PX = 4;
const EXCERPT_CHARS = 60;

/** UTF-16 index of each code point offset (length + 1 entries), so offsets convert both ways quickly. */
export function utf16Offsets(text) {
  const offsets = [0];
  let index = 0;
  for (const character of text) {
    index += character.length;
    offsets.push(index);
  }
  return offsets;
}

export function codePointLength(text) {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

/** Give each span a lane (0, 1, ...) so that spans sharing a lane never overlap. */
export function assignLanes(spans) {
  const sorted = [...spans].sort((a, b) => a.start - b.start || b.end - a.end);
  const laneEnds = [];
  const lanes = new Map();
  for (const span of sorted) {
    let lane = laneEnds.findIndex((end) => end <= span.start);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(0);
    }
    laneEnds[lane] = span.end;
    lanes.set(span.key, lane);
  }
  return lanes;
}

function rgba(hex, alpha) {
  const r = parseInt(hex.slice(1, 3), 16);
  const g = parseInt(hex.slice(3, 5), 16);
  const b = parseInt(hex.slice(5, 7), 16);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

export class TextEditor {
  constructor({ model, canvasArea, side, toolbar, notify, readOnly = false }) {
    this.model = model;
    this.state = model.state;
    this.notify = notify;
    this.readOnly = readOnly;
    this.text = model.item.text || "";
    this.u16 = utf16Offsets(this.text);
    this.length = this.u16.length - 1;
    this.cleanups = [];
    const kinds = new Set(model.project.kinds);
    this.spansEnabled = kinds.has("text_span");
    this.spanClasses = this.spansEnabled ? model.classesFor("text_span") : [];
    this.textClasses = kinds.has("text_class") ? model.classesFor("text_class") : [];
    this.classifier = kinds.has("text_class")
      ? new Classifier(this, "text_class", { multi: model.project.text_class_multi })
      : null;
    this.selected = { start: 0, end: 0 };

    clear(canvasArea);
    this.view = h("div", {
      class: "text-view",
      dir: "auto",
      tabindex: "0",
      role: "document",
      "aria-label":
        "Text to label: select a passage with the mouse or Shift and the arrow keys, then press a class key",
      "aria-describedby": "text-selection-status",
    });
    this.caret = h("span", { class: "text-caret", "aria-hidden": "true", hidden: true });
    this.status = h("p", { class: "text-status", id: "text-selection-status" });
    const scroller = h("div", { class: "text-scroller" }, this.view, this.caret);
    canvasArea.append(scroller, this.status);
    this.scroller = scroller;

    this.buildToolbar(toolbar);
    this.buildSide(side);
    this.wire();
    this.cleanups.push(
      model.on("change", () => this.refresh()),
      model.on("selection", () => this.refreshSelection()),
      model.on("view", () => this.refresh()),
    );
    this.refresh();
    this.showSelection();
  }

  destroy() {
    for (const cleanup of this.cleanups) cleanup();
    this.spanList?.destroy();
  }

  // what the classifier and the workbench use
  get selection() {
    return this.model.selection;
  }

  commit(command, started) {
    this.model.commit(command, started);
  }

  className(classId) {
    return this.model.className(classId);
  }

  get busy() {
    return false;
  }

  focus() {
    this.view.focus({ preventScroll: true });
  }

  spans() {
    return this.state.regions.filter((r) => r.kind === "text_span");
  }

  excerpt(start, end) {
    const slice = this.text.slice(this.u16[start], this.u16[end]);
    const characters = Array.from(slice);
    return characters.length > EXCERPT_CHARS ? `${characters.slice(0, EXCERPT_CHARS).join("")}…` : slice;
  }

  // ---- rendering ------------------------------------------------------------------------------------

  refresh() {
    const spans = this.spans().filter((s) => !this.model.isHidden(s.key));
    const lanes = assignLanes(spans);
    const laneCount = spans.length ? Math.max(...lanes.values()) + 1 : 0;
    const points = new Set([0, this.length]);
    for (const span of spans) {
      points.add(span.start);
      points.add(span.end);
    }
    const boundaries = [...points].sort((a, b) => a - b);
    const starts = new Map();
    for (const span of spans) {
      if (!starts.has(span.start)) starts.set(span.start, []);
      starts.get(span.start).push(span);
    }
    const nodes = [];
    for (let index = 0; index < boundaries.length - 1; index += 1) {
      const a = boundaries[index];
      const b = boundaries[index + 1];
      for (const span of starts.get(a) || []) {
        // The class name as generated content: it shows, but is no part of the text, its offsets or a copy.
        nodes.push(
          h("span", {
            class: "span-tag",
            "aria-hidden": "true",
            dataset: { label: this.className(span.label_class), key: span.key },
          }),
        );
        const tag = nodes[nodes.length - 1];
        tag.style.setProperty("--tag-colour", this.model.colour(span.label_class));
      }
      const covering = spans.filter((s) => s.start <= a && s.end >= b);
      const segment = h("span", {
        class: covering.length ? "seg is-labelled" : "seg",
        dataset: { s: String(a), e: String(b) },
      });
      segment.append(document.createTextNode(this.text.slice(this.u16[a], this.u16[b])));
      if (covering.length) {
        covering.sort((x, y) => lanes.get(x.key) - lanes.get(y.key));
        segment.dataset.keys = covering.map((s) => s.key).join(" ");
        const images = [];
        const sizes = [];
        const positions = [];
        for (const span of covering) {
          const colour = this.model.colour(span.label_class);
          images.push(`linear-gradient(${colour}, ${colour})`);
          sizes.push(`100% ${LANE_PX - 1}px`);
          positions.push(`0 calc(100% - ${lanes.get(span.key) * LANE_PX}px)`);
        }
        const tint = this.model.colour(covering[0].label_class);
        images.push(`linear-gradient(${rgba(tint, 0.16)}, ${rgba(tint, 0.16)})`);
        sizes.push("100% 100%");
        positions.push("0 0");
        segment.style.backgroundImage = images.join(", ");
        segment.style.backgroundSize = sizes.join(", ");
        segment.style.backgroundPosition = positions.join(", ");
        segment.style.paddingBottom = `${laneCount * LANE_PX}px`;
        if (covering.some((s) => this.model.selection.has(s.key))) segment.classList.add("is-selected");
      }
      nodes.push(segment);
    }
    const keepSelection = this.selected;
    this.view.replaceChildren(...nodes);
    this.view.style.setProperty("--lanes", String(laneCount));
    // Replacing the nodes drops the browser's selection; put the annotator's back.
    if (document.activeElement === this.view || keepSelection.end > keepSelection.start)
      this.setSelection(keepSelection.start, keepSelection.end, keepSelection.backward);
    if (this.textPicker) this.textPicker.setPressed(this.classifier.pressed());
    if (this.spanList) {
      const sorted = this.spans().sort((x, y) => x.start - y.start || x.end - y.end);
      this.spanList.setRegions(sorted);
      this.spanCount.textContent = String(sorted.length);
    }
    this.renderDetails();
  }

  refreshSelection() {
    for (const segment of this.view.querySelectorAll(".seg.is-labelled")) {
      const keys = segment.dataset.keys.split(" ");
      segment.classList.toggle(
        "is-selected",
        keys.some((key) => this.model.selection.has(key)),
      );
    }
    this.spanList?.paint();
    if (this.model.selection.size === 1) this.spanList?.scrollToKey([...this.model.selection][0]);
    this.renderDetails();
  }

  // ---- offsets and the DOM selection -----------------------------------------------------------------

  /** The code point offset of a DOM position inside the text view, or null outside it. */
  offsetOf(node, offset) {
    if (!node || !this.view.contains(node)) return null;
    if (node.nodeType === Node.TEXT_NODE) {
      const segment = node.parentElement.closest("[data-s]");
      if (!segment) return null;
      return Number(segment.dataset.s) + codePointLength(node.data.slice(0, offset));
    }
    if (node !== this.view) {
      const segment = node.closest("[data-s]");
      if (segment) return offset === 0 ? Number(segment.dataset.s) : Number(segment.dataset.e);
    }
    // A position between children of the view (or in a class tag): the next segment's start.
    let child = node === this.view ? this.view.childNodes[offset] : node;
    while (child) {
      if (child.dataset && child.dataset.s !== undefined) return Number(child.dataset.s);
      child = child.nextSibling;
    }
    return this.length;
  }

  /** The DOM position of a code point offset. */
  positionOf(offset) {
    const segments = this.view.querySelectorAll(".seg");
    let low = 0;
    let high = segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (Number(segments[middle].dataset.s) <= offset) low = middle;
      else high = middle - 1;
    }
    const segment = segments[low];
    const node = segment.firstChild;
    const start = Number(segment.dataset.s);
    return { node, offset: Math.min(node.data.length, this.u16[offset] - this.u16[start]) };
  }

  /** Read the browser's selection: {start, end, backward} in code points, or null when it is elsewhere. */
  readSelection() {
    const selection = window.getSelection();
    if (!selection || !selection.rangeCount) return null;
    const anchor = this.offsetOf(selection.anchorNode, selection.anchorOffset);
    const focus = this.offsetOf(selection.focusNode, selection.focusOffset);
    if (anchor === null || focus === null) return null;
    return { start: Math.min(anchor, focus), end: Math.max(anchor, focus), backward: focus < anchor, focus };
  }

  setSelection(start, end, backward = false) {
    if (!this.view.querySelector(".seg")) return;
    const a = this.positionOf(backward ? end : start);
    const b = this.positionOf(backward ? start : end);
    window.getSelection().setBaseAndExtent(a.node, a.offset, b.node, b.offset);
    this.selected = { start, end, backward };
    this.showSelection();
  }

  showSelection() {
    const { start, end } = this.selected;
    if (end > start) {
      this.status.textContent = `Selected code points ${start}–${end} (${end - start}): “${this.excerpt(start, end)}”. Press a class key to label it.`;
    } else {
      this.status.textContent =
        this.spansEnabled && !this.readOnly
          ? `Caret at ${start} of ${this.length}. Select text with the mouse or Shift+arrows, then press a class key.`
          : `${this.length} code points.`;
    }
    this.placeCaret();
  }

  /** A visible caret for keyboard users (a collapsed selection is invisible in text that is not editable). */
  placeCaret() {
    const selection = window.getSelection();
    const show =
      document.activeElement === this.view &&
      selection.rangeCount &&
      selection.isCollapsed &&
      this.view.contains(selection.anchorNode);
    this.caret.hidden = !show;
    if (!show) return;
    const range = selection.getRangeAt(0);
    let rect = range.getClientRects()[0];
    if (!rect && selection.anchorNode.nodeType === Node.TEXT_NODE) {
      const probe = document.createRange();
      const node = selection.anchorNode;
      const at = Math.min(selection.anchorOffset, node.data.length);
      probe.setStart(node, Math.max(0, at - (at === node.data.length ? 1 : 0)));
      probe.setEnd(node, Math.min(node.data.length, Math.max(1, at + (at === node.data.length ? 0 : 1))));
      const rects = probe.getClientRects();
      if (rects.length) {
        const r = rects[0];
        rect = { left: at === node.data.length ? r.right : r.left, top: r.top, height: r.height };
      }
    }
    if (!rect) {
      this.caret.hidden = true;
      return;
    }
    const box = this.scroller.getBoundingClientRect();
    this.caret.style.left = `${rect.left - box.left + this.scroller.scrollLeft}px`;
    this.caret.style.top = `${rect.top - box.top + this.scroller.scrollTop}px`;
    this.caret.style.height = `${rect.height}px`;
  }

  // ---- input ------------------------------------------------------------------------------------------

  wire() {
    const listen = (target, name, handler) => {
      target.addEventListener(name, handler);
      this.cleanups.push(() => target.removeEventListener(name, handler));
    };
    listen(document, "selectionchange", () => {
      const read = this.readSelection();
      if (read) {
        this.selected = read;
        this.showSelection();
      } else this.caret.hidden = true;
    });
    listen(this.view, "focus", () => {
      if (!this.readSelection()) this.setSelection(this.selected.start, this.selected.end, this.selected.backward);
      this.placeCaret();
    });
    listen(this.view, "blur", () => {
      this.caret.hidden = true;
    });
    listen(this.view, "click", (event) => this.onClick(event));
    listen(this.view, "keydown", (event) => this.onKey(event));
    // Drags would move the text somewhere else; a text item is read-only here.
    listen(this.view, "dragstart", (event) => event.preventDefault());
  }

  onClick(event) {
    const selection = window.getSelection();
    if (!selection.isCollapsed) return;
    const segment = event.target.closest(".seg.is-labelled");
    if (!segment) {
      if (this.model.selection.size) this.model.select([]);
      return;
    }
    // Repeated clicks on overlapping spans step through them.
    const keys = segment.dataset.keys.split(" ");
    const current = keys.findIndex((key) => this.model.selection.has(key));
    this.model.select([keys[(current + 1) % keys.length]]);
  }

  onKey(event) {
    const arrows = {
      ArrowLeft: "left",
      ArrowRight: "right",
      ArrowUp: "backward",
      ArrowDown: "forward",
      Home: "backward",
      End: "forward",
    };
    const direction = arrows[event.key];
    if (!direction || event.altKey) return;
    event.preventDefault();
    event.stopPropagation();
    const current = this.readSelection() || this.selected;
    if ((event.key === "Home" || event.key === "End") && event.ctrlKey) {
      // The browser's "documentboundary" is the page's, not the text's: go to the text's own ends.
      const target = event.key === "Home" ? 0 : this.length;
      if (event.shiftKey) {
        const anchor = current.backward ? current.end : current.start;
        this.setSelection(Math.min(anchor, target), Math.max(anchor, target), target < anchor);
      } else this.setSelection(target, target);
      return;
    }
    if (!this.readSelection()) this.setSelection(current.start, current.end, current.backward);
    let granularity = "character";
    if (event.key === "ArrowUp" || event.key === "ArrowDown") granularity = "line";
    else if (event.key === "Home" || event.key === "End") granularity = "lineboundary";
    else if (event.ctrlKey) granularity = "word";
    window.getSelection().modify(event.shiftKey ? "extend" : "move", direction, granularity);
    // Moving past the first or last character would leave the text: stay at its edge instead.
    if (!this.readSelection()) {
      const edge =
        direction === "backward" || (direction === "left") !== (getComputedStyle(this.view).direction === "rtl")
          ? 0
          : this.length;
      this.setSelection(Math.min(current.start, edge), Math.max(current.end, edge));
    }
  }

  // ---- labelling -------------------------------------------------------------------------------------

  /**
   * A class hotkey or button: label the selected text, else recolour the selected spans, else (keys and the
   * text class buttons) toggle the text class. `source` is "key", "span-picker" or "text-picker".
   */
  pressClass(classId, { source = "key" } = {}) {
    if (this.readOnly) return;
    // The selectionchange event may not have arrived yet after a quick Shift+arrow: read the selection now.
    const live = this.readSelection();
    if (live) this.selected = live;
    const { start, end } = this.selected;
    const allowsSpan = this.spansEnabled && this.model.classAllows(classId, "text_span");
    const allowsText = this.classifier && this.model.classAllows(classId, "text_class");
    if (source !== "text-picker" && allowsSpan) {
      if (end > start) {
        this.labelSpan(start, end, classId);
        return;
      }
      if (this.changeSpanClass(classId)) return;
    }
    if (source !== "span-picker" && allowsText) {
      this.classifier.toggle(classId);
      return;
    }
    if (allowsSpan) this.notify("Select some text first, then press the class key.");
  }

  changeSpanClass(classId) {
    const selectedSpans = [...this.model.selection]
      .map((key) => this.model.region(key))
      .filter((r) => r && r.kind === "text_span");
    if (!selectedSpans.length) return false;
    const edits = selectedSpans
      .filter((r) => r.label_class !== classId)
      .map((r) => ({ key: r.key, before: { label_class: r.label_class }, after: { label_class: classId } }));
    if (edits.length) this.commit(updateRegions(edits, { label: "Change class", tool: "class" }));
    this.notify(
      `${selectedSpans.length === 1 ? "Span" : `${selectedSpans.length} spans`} now ${this.className(classId)}.`,
    );
    return true;
  }

  labelSpan(start, end, classId) {
    const spans = this.spans();
    if (spans.some((s) => s.start === start && s.end === end && s.label_class === classId)) {
      this.notify("This text already has that label.");
      return;
    }
    if (!this.model.project.allow_overlapping_spans) {
      const clash = spans.find((s) => s.start < end && start < s.end);
      if (clash) {
        this.notify(
          `This project does not allow overlapping spans: it overlaps “${this.excerpt(clash.start, clash.end)}” (${this.className(clash.label_class)}).`,
        );
        return;
      }
    }
    const region = {
      key: newRegionKey(),
      kind: "text_span",
      label_class: classId,
      comment: "",
      confidence: null,
      start,
      end,
    };
    this.commit(addRegions([region], { label: "Label span", tool: "text_span" }));
    this.selected = { start: end, end, backward: false };
    this.model.select([region.key]);
    this.setSelection(end, end);
    this.notify(`Labelled “${this.excerpt(start, end)}” as ${this.className(classId)}.`);
  }

  deleteSelection() {
    const keys = [...this.model.selection].filter((key) => !this.model.isLocked(key));
    if (!keys.length || this.readOnly) return false;
    this.commit(removeRegions(this.state, keys, { label: "Delete", tool: "delete" }));
    this.notify(`Deleted ${keys.length === 1 ? "1 span" : `${keys.length} spans`}.`);
    return true;
  }

  bindKeys(keymap) {
    if (!this.readOnly) {
      const hotkeys = classKeys(this.model.classes);
      for (const labelClass of this.model.classes) {
        if (!this.spanClasses.includes(labelClass) && !this.textClasses.includes(labelClass)) continue;
        keymap.add({
          keys: hotkeys.get(labelClass.id),
          label: `Class ${labelClass.name}`,
          group: "Classes",
          run: () => this.pressClass(labelClass.id),
        });
      }
      keymap.add({
        keys: ["Delete", "Backspace"],
        label: "Delete the selected span",
        group: "Edit",
        run: () => this.deleteSelection(),
      });
    }
    keymap.add({
      keys: ["Escape"],
      label: "Clear the selection",
      group: "Edit",
      run: () => {
        if (!this.model.selection.size && this.selected.end === this.selected.start) return false;
        this.model.select([]);
        this.setSelection(this.selected.end, this.selected.end);
        return true;
      },
    });
    keymap.add({
      keys: ["Ctrl+a"],
      label: "Select the whole text",
      group: "Text",
      run: () => {
        this.view.focus({ preventScroll: true });
        this.setSelection(0, this.length);
      },
    });
    keymap.add({
      keys: ["Shift+ArrowRight"],
      label: "Extend the text selection (Ctrl: by word; ↑ ↓ by line)",
      group: "Text",
      run: () => false,
    });
    keymap.add({
      keys: ["ArrowRight"],
      label: "Move the caret in the text (Home, End: line start and end)",
      group: "Text",
      run: () => false,
    });
  }

  // ---- side panel and toolbar ---------------------------------------------------------------------------

  buildToolbar(toolbar) {
    clear(toolbar);
    if (this.spanClasses.length && !this.readOnly) {
      const box = h("div", { class: "class-picker" });
      this.spanPicker = new ClassPicker(box, {
        classes: this.spanClasses,
        keys: classKeys(this.model.classes),
        label: "Span classes",
        onPick: (id) => this.pressClass(id, { source: "span-picker" }),
      });
      // Clicking a class button would take the focus (and with it the text selection) away: keep it.
      box.addEventListener("mousedown", (event) => event.preventDefault());
      toolbar.append(h("span", { class: "toolbar-label", text: "Label selection:" }), box);
    }
  }

  buildSide(side) {
    clear(side);
    if (this.textClasses.length) {
      const box = h("div", { class: "class-toggles" });
      this.textPicker = new ClassPicker(box, {
        classes: this.textClasses,
        keys: classKeys(this.model.classes),
        label: "Text classes",
        onPick: (id) => this.pressClass(id, { source: "text-picker" }),
      });
      const hint = this.model.project.text_class_multi ? "Any number of classes." : "One class per text.";
      side.append(
        h(
          "section",
          { class: "side-section", "aria-labelledby": "text-classes-title" },
          h("h2", { id: "text-classes-title", text: "Text class" }),
          h("p", { class: "hint", text: hint }),
          box,
        ),
      );
    }
    if (this.spansEnabled) {
      this.spanCount = h("span", { class: "badge" });
      const listBox = h("div", { class: "region-list-box" });
      this.details = h("div", { class: "region-details" });
      side.append(
        h(
          "section",
          { class: "side-section regions-section", "aria-labelledby": "spans-title" },
          h("div", { class: "side-title" }, h("h2", { id: "spans-title", text: "Spans" }), this.spanCount),
          listBox,
        ),
        h("section", { class: "side-section", "aria-label": "Selected span" }, this.details),
      );
      this.spanList = new RegionList(listBox, {
        label: "Spans",
        renderRow: (span) => {
          const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
          swatch.style.backgroundColor = this.model.colour(span.label_class);
          return [
            swatch,
            h("span", { class: "row-class", dir: "auto", text: this.className(span.label_class) }),
            h("span", { class: "row-excerpt", dir: "auto", text: this.excerpt(span.start, span.end) }),
            h("span", { class: "row-area", text: `${span.start}–${span.end}` }),
          ];
        },
        isSelected: (key) => this.model.selection.has(key),
        onSelect: (key, { add }) => {
          if (add) this.model.toggleSelected(key);
          else this.model.select([key]);
        },
      });
    }
  }

  renderDetails() {
    if (!this.details) return;
    clear(this.details);
    const selected = [...this.model.selection]
      .map((key) => this.model.region(key))
      .filter((r) => r && r.kind === "text_span");
    if (!selected.length) {
      this.details.append(
        h("p", {
          class: "hint",
          text: "Click a labelled passage or a row to select its span. Press ? for every shortcut.",
        }),
      );
      return;
    }
    const span = selected[0];
    this.details.append(h("h3", { dir: "auto", text: `“${this.excerpt(span.start, span.end)}”` }));
    this.details.append(h("p", { class: "hint", text: `Code points ${span.start}–${span.end}` }));
    if (this.readOnly) return;
    const classSelect = h(
      "select",
      { id: "span-class", on: { change: () => this.changeSpanClass(Number(classSelect.value)) } },
      ...this.spanClasses.map((c) => h("option", { value: String(c.id), text: c.name })),
    );
    classSelect.value = String(span.label_class);
    const comment = h("textarea", { id: "span-comment", rows: "2", dir: "auto", maxlength: "5000" });
    comment.value = span.comment || "";
    comment.addEventListener("change", () => {
      const region = this.model.region(span.key);
      if (!region || region.comment === comment.value) return;
      this.commit(
        updateRegions([{ key: region.key, before: { comment: region.comment }, after: { comment: comment.value } }], {
          label: "Comment",
          tool: "comment",
        }),
      );
    });
    this.details.append(
      h("div", { class: "field compact" }, h("label", { for: "span-class", text: "Class" }), classSelect),
      h("div", { class: "field compact" }, h("label", { for: "span-comment", text: "Comment" }), comment),
      h(
        "div",
        { class: "detail-actions" },
        h("button", {
          type: "button",
          class: "button small danger",
          text: "Delete",
          on: { click: () => this.deleteSelection() },
        }),
      ),
    );
  }
}
