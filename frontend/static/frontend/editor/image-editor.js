// The image editor: the stage, the tools, the class picker, the image classes and the region list.
// Everything it changes goes through the model's commands (undo, autosave and time events follow).

import { clear, h } from "../dom.js";
import { ClassPicker } from "./class-picker.js";
import { removeRegions, updateRegions } from "./history.js";
import { classKeys, displayKey, toolKey } from "./hotkeys.js";
import { RegionList } from "./region-list.js";
import { KIND_LABELS, SHAPE_KINDS, area, bounds, contains, formatArea, isPending } from "./regions.js";
import { Stage, ZOOM_STEPS } from "./stage.js";
import { onThemeChange, readTheme } from "./theme.js";
import { createBoxTool } from "./tools/box.js";
import { createBrushTool } from "./tools/brush.js";
import { Classifier } from "./tools/classify.js";
import { createPolygonTool } from "./tools/polygon.js";
import { createSelectTool, nudge } from "./tools/select.js";

const HANDLE_RADIUS_PX = 7;
// Above this many regions on screen, names are drawn only for the selection: a thousand labels would
// make every frame slow and the image unreadable.
const MAX_LABELLED_REGIONS = 150;
const BRUSH_SIZES = { min: 1, max: 200 };
const TOOL_LETTERS = { select: "v", bbox: "b", polygon: "p", brush: "m", eraser: "e", classify: "i" };
const RESIZE_CURSORS = {
  nw: "nwse-resize",
  se: "nwse-resize",
  ne: "nesw-resize",
  sw: "nesw-resize",
  n: "ns-resize",
  s: "ns-resize",
  e: "ew-resize",
  w: "ew-resize",
};

export class ImageEditor {
  constructor({ model, image, canvasArea, side, toolbar, notify, readOnly = false }) {
    this.model = model;
    this.item = model.item;
    this.state = model.state;
    this.notify = notify;
    this.readOnly = readOnly;
    this.theme = readTheme();
    this.brushSize = Number(localStorage.getItem("tandem:brush-size")) || 20;
    this.pointer = null;
    this.hovered = null;
    this.panning = null;
    this.spaceHeld = false;
    this.cleanups = [];
    const kinds = new Set(model.project.kinds);
    this.shapeKinds = SHAPE_KINDS.filter((kind) => kinds.has(kind));
    this.shapeClasses = model.classes.filter((c) => this.shapeKinds.some((kind) => model.classAllows(c.id, kind)));
    this.imageClasses = kinds.has("image_class") ? model.classesFor("image_class") : [];
    this.classifier = kinds.has("image_class")
      ? new Classifier(this, "image_class", { multi: model.project.image_class_multi })
      : null;
    this.activeClass = this.shapeClasses[0]?.id ?? this.imageClasses[0]?.id ?? null;

    clear(canvasArea);
    this.stageArea = h("div", { class: "stage" });
    this.coordinates = h("span", { class: "stage-coordinates", "aria-live": "off" });
    canvasArea.append(this.stageArea, h("div", { class: "stage-status" }, this.coordinates));
    this.stage = new Stage(this.stageArea, { onViewChange: () => this.showZoom() });
    this.stage.canvas.setAttribute("aria-label", `Image ${this.item.original_name || this.item.id}: drawing area`);
    this.stage.layers.push(
      (ctx) => this.drawRegions(ctx),
      (ctx) => this.drawOverlay(ctx),
    );
    this.stage.setImage(image, this.item.width, this.item.height);

    this.tools = new Map();
    this.tools.set("select", createSelectTool(this));
    if (kinds.has("bbox")) this.tools.set("bbox", createBoxTool(this));
    if (kinds.has("polygon")) this.tools.set("polygon", createPolygonTool(this));
    if (kinds.has("mask")) {
      this.tools.set("brush", createBrushTool(this));
      this.tools.set("eraser", createBrushTool(this, { erase: true }));
    }
    if (this.classifier) this.tools.set("classify", createSelectTool(this, { name: "classify", label: "Image class" }));
    const firstDrawing = ["bbox", "polygon", "brush"].find((name) => this.tools.has(name));
    this.tool = this.tools.get(firstDrawing || (this.classifier ? "classify" : "select"));

    this.buildToolbar(toolbar);
    this.buildSide(side);
    this.wirePointer();
    this.cleanups.push(
      model.on("change", () => this.refresh()),
      model.on("selection", () => this.refreshSelection()),
      model.on("view", () => this.refresh()),
      onThemeChange((theme) => {
        this.theme = theme;
        this.redraw();
      }),
    );
    this.refresh();
    this.stage.render();
  }

  destroy() {
    for (const cleanup of this.cleanups) cleanup();
    this.regionList?.destroy();
    this.stage.destroy();
  }

  // ---- what tools use ---------------------------------------------------------------------------

  get selection() {
    return this.model.selection;
  }

  region(key) {
    return this.model.region(key);
  }

  colour(classId) {
    return this.model.colour(classId);
  }

  className(classId) {
    return this.model.className(classId);
  }

  isLocked(key) {
    return this.model.isLocked(key) || this.readOnly;
  }

  isHidden(key) {
    return this.model.isHidden(key);
  }

  commit(command, started) {
    this.model.commit(command, started);
  }

  record(command, started) {
    this.model.record(command, started);
  }

  select(keys) {
    this.model.select(keys);
  }

  toggleSelected(key) {
    this.model.toggleSelected(key);
  }

  redraw() {
    this.stage.invalidate();
  }

  /** The class to draw a `kind` with: the active class if it may be used for it, else the first that may. */
  classFor(kind) {
    if (this.readOnly) return null;
    if (this.activeClass !== null && this.model.classAllows(this.activeClass, kind)) return this.activeClass;
    const fallback = this.model.classesFor(kind)[0];
    if (!fallback) {
      this.notify(`No class of this project can be used for ${KIND_LABELS[kind].toLowerCase()} regions.`);
      return null;
    }
    this.setActiveClass(fallback.id);
    return fallback.id;
  }

  visibleRegions() {
    return this.state.regions.filter((r) => SHAPE_KINDS.includes(r.kind) && !this.model.isHidden(r.key));
  }

  /** The visible region under an image point: the smallest that contains it, so nested boxes stay reachable. */
  regionAt(x, y) {
    let best = null;
    let bestArea = Infinity;
    for (const region of this.state.regions) {
      if (!SHAPE_KINDS.includes(region.kind) || this.model.isHidden(region.key)) continue;
      const b = bounds(region);
      if (!b || x < b[0] || x > b[2] || y < b[1] || y > b[3]) continue;
      if (!contains(region, x, y)) continue;
      const size = (b[2] - b[0]) * (b[3] - b[1]);
      if (size < bestArea) {
        best = region;
        bestArea = size;
      }
    }
    return best;
  }

  /** The handle of the (single, unlocked) selected region under a stage point. */
  handleAt(sx, sy) {
    if (this.selection.size !== 1) return null;
    const [key] = this.selection;
    const region = this.region(key);
    if (!region || this.isLocked(key) || this.isHidden(key)) return null;
    let best = null;
    let bestDistance = HANDLE_RADIUS_PX;
    for (const handle of this.handles(region)) {
      const distance = Math.hypot(handle.sx - sx, handle.sy - sy);
      if (distance <= bestDistance) {
        best = handle;
        bestDistance = distance;
      }
    }
    return best;
  }

  handles(region) {
    const stage = this.stage;
    if (region.kind === "bbox") {
      const x0 = stage.toScreenX(region.x);
      const y0 = stage.toScreenY(region.y);
      const x1 = stage.toScreenX(region.x + region.width);
      const y1 = stage.toScreenY(region.y + region.height);
      const xm = (x0 + x1) / 2;
      const ym = (y0 + y1) / 2;
      return [
        ["nw", x0, y0],
        ["ne", x1, y0],
        ["se", x1, y1],
        ["sw", x0, y1],
        ["n", xm, y0],
        ["e", x1, ym],
        ["s", xm, y1],
        ["w", x0, ym],
      ].map(([name, hx, hy]) => ({ key: region.key, type: "resize", name, sx: hx, sy: hy }));
    }
    if (region.kind === "polygon") {
      const points = region.points.map(([x, y]) => [stage.toScreenX(x), stage.toScreenY(y)]);
      const vertices = points.map(([hx, hy], index) => ({ key: region.key, type: "vertex", index, sx: hx, sy: hy }));
      const midpoints = [];
      points.forEach(([ax, ay], index) => {
        const [bx, by] = points[(index + 1) % points.length];
        // Midpoints only where the edge is long enough on screen not to crowd its vertices.
        if (Math.hypot(bx - ax, by - ay) > 4 * HANDLE_RADIUS_PX) {
          midpoints.push({ key: region.key, type: "midpoint", index, sx: (ax + bx) / 2, sy: (ay + by) / 2 });
        }
      });
      return [...vertices, ...midpoints];
    }
    return [];
  }

  // ---- tools and classes --------------------------------------------------------------------------

  setTool(name) {
    const next = this.tools.get(name);
    if (!next || next === this.tool) return;
    this.tool.cancel?.();
    this.tool = next;
    for (const [toolName, button] of this.toolButtons) button.setAttribute("aria-pressed", String(toolName === name));
    this.stage.canvas.style.cursor = next.cursor;
    this.brushField.hidden = !(name === "brush" || name === "eraser");
    this.notify(`${next.label} tool.`);
    this.redraw();
  }

  setActiveClass(classId) {
    this.activeClass = classId;
    this.drawingPicker?.setPressed(new Set([classId]));
  }

  /** A class hotkey or click: classify the image, recolour the selection, or choose the drawing class. */
  pressClass(classId, { fromPicker = false } = {}) {
    if (this.readOnly) return;
    const allowsShape = this.shapeKinds.some((kind) => this.model.classAllows(classId, kind));
    const allowsImage = this.classifier && this.model.classAllows(classId, "image_class");
    if (allowsImage && (this.tool.name === "classify" || !allowsShape) && !fromPicker) {
      this.classifier.toggle(classId);
      return;
    }
    if (!allowsShape) return;
    this.setActiveClass(classId);
    const selected = [...this.selection]
      .map((key) => this.region(key))
      .filter(
        (r) => r && !this.isLocked(r.key) && r.label_class !== classId && this.model.classAllows(classId, r.kind),
      );
    if (selected.length) {
      const edits = selected.map((r) => ({
        key: r.key,
        before: { label_class: r.label_class },
        after: { label_class: classId },
      }));
      this.commit(updateRegions(edits, { label: "Change class", tool: "class" }));
      this.notify(`${selected.length === 1 ? "Region" : `${selected.length} regions`} now ${this.className(classId)}.`);
    } else this.notify(`Drawing class: ${this.className(classId)}.`);
  }

  deleteSelection() {
    const keys = [...this.selection].filter((key) => !this.isLocked(key));
    if (!keys.length) return false;
    this.commit(removeRegions(this.state, keys, { label: "Delete", tool: "delete" }));
    this.notify(`Deleted ${keys.length === 1 ? "1 region" : `${keys.length} regions`}.`);
    return true;
  }

  acceptSuggestions(keys) {
    const edits = keys
      .map((key) => this.region(key))
      .filter((r) => r && isPending(r))
      .map((r) => ({ key: r.key, before: { confidence: r.confidence }, after: { confidence: null } }));
    if (!edits.length) return false;
    this.commit(updateRegions(edits, { label: "Accept suggestion", tool: "accept" }));
    this.notify(`Accepted ${edits.length === 1 ? "1 suggestion" : `${edits.length} suggestions`}.`);
    return true;
  }

  // ---- keyboard -----------------------------------------------------------------------------------

  /** Add this editor's shortcuts to the keymap; `taken` holds the letters the schema's classes use. */
  bindKeys(keymap) {
    const taken = new Set(this.model.classes.map((c) => (c.hotkey || "").toLowerCase()).filter(Boolean));
    const key = (letter) => (/^[a-z]$/.test(letter) ? toolKey(letter, taken) : taken.has(letter) ? null : letter);
    const toolLabels = {
      select: "Select, move and reshape regions",
      bbox: "Box tool (drag to draw)",
      polygon: "Polygon tool (click points; Enter or the first point closes)",
      brush: "Brush (paint a mask)",
      eraser: "Eraser",
      classify: "Image class tool (class keys toggle image classes)",
    };
    if (!this.readOnly) {
      for (const name of this.tools.keys()) {
        keymap.add({
          keys: [key(TOOL_LETTERS[name])],
          label: toolLabels[name],
          group: "Tools",
          run: () => this.setTool(name),
        });
      }
      const hotkeys = classKeys(this.model.classes);
      for (const labelClass of this.model.classes) {
        const usable = this.shapeClasses.includes(labelClass) || this.imageClasses.includes(labelClass);
        if (!usable) continue;
        keymap.add({
          keys: hotkeys.get(labelClass.id),
          label: `Class ${labelClass.name}`,
          group: "Classes",
          run: () => this.pressClass(labelClass.id),
        });
      }
    }
    keymap.add({
      keys: ["Enter"],
      label: "Close the polygon being drawn",
      group: "Tools",
      run: () => this.toolKey("Enter"),
    });
    keymap.add({
      keys: ["Escape"],
      label: "Cancel the drawing, then clear the selection",
      group: "Edit",
      run: () => this.escape(),
    });
    if (this.tools.has("brush")) {
      keymap.add({
        keys: ["["],
        label: "Smaller brush",
        group: "Tools",
        run: () => this.setBrushSize(this.brushSize / 1.25),
      });
      keymap.add({
        keys: ["]"],
        label: "Larger brush",
        group: "Tools",
        run: () => this.setBrushSize(this.brushSize * 1.25),
      });
    }
    if (!this.readOnly) {
      keymap.add({
        keys: ["Delete", "Backspace"],
        label: "Delete the selected regions (Backspace: last polygon point while drawing)",
        group: "Edit",
        run: () => this.toolKey("Backspace") || this.deleteSelection(),
      });
      const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      keymap.add({
        keys: Object.keys(arrows),
        label: "Move the selection 1 px (with Shift: 10 px)",
        group: "Edit",
        run: (event) => nudge(this, ...arrows[event.key]),
      });
      keymap.add({
        keys: Object.keys(arrows).map((name) => `Shift+${name}`),
        label: "",
        group: "Edit",
        hidden: true,
        run: (event) => nudge(this, arrows[event.key][0] * 10, arrows[event.key][1] * 10),
      });
      keymap.add({
        keys: [key("h")],
        label: "Hide or show the selected regions",
        group: "Edit",
        run: () => this.model.toggleFlag("hidden", [...this.selection]),
      });
      keymap.add({
        keys: [key("l")],
        label: "Lock or unlock the selected regions",
        group: "Edit",
        run: () => this.model.toggleFlag("locked", [...this.selection]),
      });
      keymap.add({
        keys: [key("y")],
        label: "Accept the selected suggestions (predictions)",
        group: "Edit",
        run: () => this.acceptSuggestions([...this.selection]),
      });
    }
    keymap.add({
      keys: ["Ctrl+a"],
      label: "Select all regions",
      group: "Edit",
      run: () => this.select(this.visibleRegions().map((r) => r.key)),
    });
    keymap.add({ keys: ["+", "="], label: "Zoom in", group: "View", run: () => this.stage.zoomStep(1) });
    keymap.add({ keys: ["-"], label: "Zoom out", group: "View", run: () => this.stage.zoomStep(-1) });
    keymap.add({ keys: [key("f")], label: "Fit the image", group: "View", run: () => this.stage.fit() });
    keymap.add({ keys: [key("0")], label: "Actual size (100 %)", group: "View", run: () => this.stage.zoomTo(1) });
    keymap.add({
      keys: ["Space"],
      label: "Hold and drag to pan (or drag with the middle button); wheel zooms",
      group: "View",
      run: () => false,
    });
  }

  toolKey(name) {
    return Boolean(this.tool.key && this.tool.key(name));
  }

  escape() {
    if (this.tool.busy) {
      if (!this.toolKey("Escape")) this.tool.cancel();
      return true;
    }
    if (this.selection.size) {
      this.select([]);
      return true;
    }
    return false;
  }

  setBrushSize(size) {
    this.brushSize = Math.round(Math.max(BRUSH_SIZES.min, Math.min(BRUSH_SIZES.max, size)));
    this.brushInput.value = String(this.brushSize);
    this.brushValue.textContent = `${this.brushSize} px`;
    localStorage.setItem("tandem:brush-size", String(this.brushSize));
    this.redraw();
  }

  get busy() {
    return Boolean(this.tool.busy);
  }

  focus() {
    this.stage.canvas.focus({ preventScroll: true });
  }

  // ---- DOM ----------------------------------------------------------------------------------------

  buildToolbar(toolbar) {
    clear(toolbar);
    this.toolButtons = new Map();
    const taken = new Set(this.model.classes.map((c) => (c.hotkey || "").toLowerCase()).filter(Boolean));
    const tools = h("div", { class: "tool-group", role: "group", "aria-label": "Tools" });
    if (!this.readOnly) {
      for (const [name, tool] of this.tools) {
        const shortcut = displayKey(toolKey(TOOL_LETTERS[name], taken));
        const button = h(
          "button",
          {
            type: "button",
            class: `tool-button tool-${name}`,
            "aria-pressed": String(tool === this.tool),
            title: `${tool.label} (${shortcut})`,
            on: { click: () => this.setTool(name) },
          },
          h("span", { class: "tool-icon", "aria-hidden": "true" }),
          h("span", { class: "tool-label", text: tool.label }),
        );
        this.toolButtons.set(name, button);
        tools.append(button);
      }
    }
    this.brushInput = h("input", {
      type: "range",
      id: "brush-size",
      min: String(BRUSH_SIZES.min),
      max: String(BRUSH_SIZES.max),
      value: String(this.brushSize),
      on: { input: () => this.setBrushSize(Number(this.brushInput.value)) },
    });
    this.brushValue = h("span", { class: "brush-value", text: `${this.brushSize} px` });
    this.brushField = h(
      "div",
      { class: "brush-field" },
      h("label", { for: "brush-size", text: "Brush" }),
      this.brushInput,
      this.brushValue,
    );
    this.brushField.hidden = !(this.tool.name === "brush" || this.tool.name === "eraser");

    this.zoomSelect = h("select", {
      id: "zoom-level",
      "aria-label": "Zoom",
      on: { change: () => this.onZoomSelect() },
    });
    const zoomOut = h("button", {
      type: "button",
      class: "icon-only",
      title: "Zoom out (-)",
      "aria-label": "Zoom out",
      text: "−",
      on: { click: () => this.stage.zoomStep(-1) },
    });
    const zoomIn = h("button", {
      type: "button",
      class: "icon-only",
      title: "Zoom in (+)",
      "aria-label": "Zoom in",
      text: "+",
      on: { click: () => this.stage.zoomStep(1) },
    });
    const zoom = h(
      "div",
      { class: "zoom-group", role: "group", "aria-label": "Zoom" },
      zoomOut,
      this.zoomSelect,
      zoomIn,
    );

    const pickerBox = h("div", { class: "class-picker" });
    if (this.shapeClasses.length && !this.readOnly) {
      this.drawingPicker = new ClassPicker(pickerBox, {
        classes: this.shapeClasses,
        keys: classKeys(this.model.classes),
        label: "Drawing class",
        onPick: (id) => this.pressClass(id, { fromPicker: true }),
      });
      this.drawingPicker.setPressed(new Set([this.activeClass]));
    }
    toolbar.append(tools, pickerBox, this.brushField, zoom);
    this.stage.canvas.style.cursor = this.tool.cursor;
    this.showZoom();
  }

  onZoomSelect() {
    const value = this.zoomSelect.value;
    if (value === "fit") this.stage.fit();
    else this.stage.zoomTo(Number(value));
  }

  showZoom() {
    if (!this.zoomSelect) return;
    const scale = this.stage.view.scale;
    const options = [["fit", "Fit"], ...ZOOM_STEPS.map((s) => [String(s), `${Math.round(s * 100)} %`])];
    const current = options.find(([value]) => value !== "fit" && Math.abs(Number(value) - scale) < 1e-6);
    if (!current) options.push([String(scale), `${Math.round(scale * 100)} %`]);
    options.sort((a, b) => (a[0] === "fit" ? -1 : b[0] === "fit" ? 1 : Number(a[0]) - Number(b[0])));
    this.zoomSelect.replaceChildren(...options.map(([value, text]) => h("option", { value, text })));
    this.zoomSelect.value = current ? current[0] : String(scale);
    this.stageArea.dataset.zoom = String(scale);
  }

  buildSide(side) {
    clear(side);
    if (this.classifier && this.imageClasses.length) {
      const box = h("div", { class: "class-toggles" });
      this.imagePicker = new ClassPicker(box, {
        classes: this.imageClasses,
        keys: classKeys(this.model.classes),
        label: "Image classes",
        onPick: (id) => this.classifier.toggle(id, "click"),
      });
      const hint = this.model.project.image_class_multi ? "Any number of classes." : "One class per image.";
      side.append(
        h(
          "section",
          { class: "side-section", "aria-labelledby": "image-classes-title" },
          h("h2", { id: "image-classes-title", text: "Image class" }),
          h("p", { class: "hint", text: hint }),
          box,
        ),
      );
    }
    if (this.shapeKinds.length) {
      this.regionCount = h("span", { class: "badge" });
      this.suggestionBar = h("div", { class: "suggestion-bar" });
      const listBox = h("div", { class: "region-list-box" });
      this.details = h("div", { class: "region-details", "aria-live": "polite" });
      side.append(
        h(
          "section",
          { class: "side-section regions-section", "aria-labelledby": "regions-title" },
          h("div", { class: "side-title" }, h("h2", { id: "regions-title", text: "Regions" }), this.regionCount),
          this.suggestionBar,
          listBox,
        ),
        h("section", { class: "side-section", "aria-label": "Selected regions" }, this.details),
      );
      this.regionList = new RegionList(listBox, {
        renderRow: (region) => this.renderRow(region),
        isSelected: (key) => this.selection.has(key),
        onSelect: (key, { add, range }) => this.onListSelect(key, add, range),
      });
    }
  }

  renderRow(region) {
    const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.backgroundColor = this.colour(region.label_class);
    const flags = [];
    if (this.model.isHidden(region.key)) flags.push(h("span", { class: "flag", title: "Hidden", text: "hidden" }));
    if (this.model.isLocked(region.key)) flags.push(h("span", { class: "flag", title: "Locked", text: "locked" }));
    if (isPending(region))
      flags.push(
        h("span", {
          class: "flag flag-suggestion",
          title: `Suggested by a model (confidence ${region.confidence})`,
          text: "suggested",
        }),
      );
    return [
      swatch,
      h("span", { class: "row-class", dir: "auto", text: this.className(region.label_class) }),
      h("span", { class: "row-kind", text: KIND_LABELS[region.kind] }),
      h("span", { class: "row-area", text: formatArea(area(region)) }),
      region.comment
        ? h("span", { class: "row-comment", dir: "auto", title: region.comment, text: region.comment })
        : null,
      ...flags,
    ];
  }

  onListSelect(key, add, range) {
    if (range && this.lastListKey) {
      const shapes = this.listRegions;
      const a = shapes.findIndex((r) => r.key === this.lastListKey);
      const b = shapes.findIndex((r) => r.key === key);
      if (a >= 0 && b >= 0) {
        const [from, to] = a < b ? [a, b] : [b, a];
        this.select(shapes.slice(from, to + 1).map((r) => r.key));
        return;
      }
    }
    this.lastListKey = key;
    if (add) this.toggleSelected(key);
    else this.select([key]);
    this.scrollIntoView(key);
  }

  /** Bring a region into view when it is off the stage. */
  scrollIntoView(key) {
    const region = this.region(key);
    const b = region && bounds(region);
    if (!b) return;
    const { stage } = this;
    const x0 = stage.toScreenX(b[0]);
    const x1 = stage.toScreenX(b[2]);
    const y0 = stage.toScreenY(b[1]);
    const y1 = stage.toScreenY(b[3]);
    if (x1 < 0 || y1 < 0 || x0 > stage.size.width || y0 > stage.size.height) {
      stage.panBy(stage.size.width / 2 - (x0 + x1) / 2, stage.size.height / 2 - (y0 + y1) / 2);
    }
  }

  refresh() {
    this.listRegions = this.state.regions.filter((r) => SHAPE_KINDS.includes(r.kind));
    if (this.regionList) {
      this.regionList.setRegions(this.listRegions);
      this.regionCount.textContent = String(this.listRegions.length);
      this.renderSuggestions();
    }
    if (this.imagePicker) this.imagePicker.setPressed(this.classifier.pressed());
    this.renderDetails();
    this.redraw();
  }

  refreshSelection() {
    this.regionList?.paint();
    if (this.selection.size === 1) this.regionList?.scrollToKey([...this.selection][0]);
    this.renderDetails();
    this.redraw();
  }

  renderSuggestions() {
    const pending = this.listRegions.filter(isPending);
    clear(this.suggestionBar);
    this.suggestionBar.hidden = !pending.length || this.readOnly;
    if (!pending.length) return;
    this.suggestionBar.append(
      h("span", { text: `${pending.length} suggested by a model: accept, correct or delete them.` }),
      h("button", {
        type: "button",
        class: "button small",
        text: "Accept all",
        on: { click: () => this.acceptSuggestions(pending.map((r) => r.key)) },
      }),
    );
  }

  renderDetails() {
    if (!this.details) return;
    const selected = [...this.selection].map((key) => this.region(key)).filter(Boolean);
    clear(this.details);
    if (!selected.length) {
      this.details.append(
        h("p", {
          class: "hint",
          text: this.readOnly
            ? "Select a region to see it."
            : "Select a region to change its class, comment, visibility or lock. Press ? for every shortcut.",
        }),
      );
      return;
    }
    const first = selected[0];
    const title =
      selected.length === 1
        ? `${KIND_LABELS[first.kind]} · ${formatArea(area(first))}`
        : `${selected.length} regions selected`;
    this.details.append(h("h3", { text: title }));
    if (!this.readOnly) {
      const kinds = new Set(selected.map((r) => r.kind));
      const usable = this.model.classes.filter((c) => [...kinds].every((kind) => this.model.classAllows(c.id, kind)));
      const classSelect = h(
        "select",
        { id: "region-class", on: { change: () => this.pressClass(Number(classSelect.value), { fromPicker: true }) } },
        ...usable.map((c) => h("option", { value: String(c.id), text: c.name })),
      );
      const same = selected.every((r) => r.label_class === first.label_class);
      if (same) classSelect.value = String(first.label_class);
      else classSelect.prepend(h("option", { value: "", text: "(several)", selected: true, disabled: true }));
      this.details.append(
        h("div", { class: "field compact" }, h("label", { for: "region-class", text: "Class" }), classSelect),
      );
      if (selected.length === 1) {
        const comment = h("textarea", { id: "region-comment", rows: "2", dir: "auto", maxlength: "5000" });
        comment.value = first.comment || "";
        comment.addEventListener("change", () => {
          const region = this.region(first.key);
          if (!region || region.comment === comment.value) return;
          this.commit(
            updateRegions(
              [{ key: region.key, before: { comment: region.comment }, after: { comment: comment.value } }],
              { label: "Comment", tool: "comment" },
            ),
          );
        });
        this.details.append(
          h("div", { class: "field compact" }, h("label", { for: "region-comment", text: "Comment" }), comment),
        );
      }
    } else if (selected.length === 1 && first.comment) {
      this.details.append(h("p", { dir: "auto", text: first.comment }));
    }
    const keys = selected.map((r) => r.key);
    const hidden = this.model.isHidden(first.key);
    const locked = this.model.isLocked(first.key);
    const actions = h(
      "div",
      { class: "detail-actions" },
      h("button", {
        type: "button",
        class: "button small",
        text: hidden ? "Show" : "Hide",
        on: { click: () => this.model.toggleFlag("hidden", keys) },
      }),
      this.readOnly
        ? null
        : h("button", {
            type: "button",
            class: "button small",
            text: locked ? "Unlock" : "Lock",
            on: { click: () => this.model.toggleFlag("locked", keys) },
          }),
      !this.readOnly && selected.some(isPending)
        ? h("button", {
            type: "button",
            class: "button small",
            text: "Accept",
            on: { click: () => this.acceptSuggestions(keys) },
          })
        : null,
      this.readOnly
        ? null
        : h("button", {
            type: "button",
            class: "button small danger",
            text: "Delete",
            on: { click: () => this.deleteSelection() },
          }),
    );
    this.details.append(actions);
  }

  // ---- pointer ------------------------------------------------------------------------------------

  wirePointer() {
    const canvas = this.stage.canvas;
    const listen = (target, name, handler, options) => {
      target.addEventListener(name, handler, options);
      this.cleanups.push(() => target.removeEventListener(name, handler, options));
    };
    listen(canvas, "pointerdown", (event) => this.onPointerDown(event));
    listen(canvas, "pointermove", (event) => this.onPointerMove(event));
    listen(canvas, "pointerup", (event) => this.onPointerUp(event));
    listen(canvas, "pointercancel", () => this.cancelGesture());
    listen(canvas, "pointerleave", () => {
      this.pointer = null;
      this.coordinates.textContent = "";
      this.tool.leave?.();
      this.redraw();
    });
    listen(canvas, "wheel", (event) => this.onWheel(event), { passive: false });
    listen(canvas, "contextmenu", (event) => event.preventDefault());
    listen(canvas, "auxclick", (event) => event.preventDefault());
    listen(document, "keydown", (event) => {
      if (event.key === " " && !event.repeat && this.spaceMayPan(event.target)) {
        this.spaceHeld = true;
        canvas.style.cursor = "grab";
        event.preventDefault();
      }
    });
    listen(document, "keyup", (event) => {
      if (event.key === " " && this.spaceHeld) {
        this.spaceHeld = false;
        canvas.style.cursor = this.tool.cursor;
      }
    });
  }

  spaceMayPan(target) {
    return target === document.body || target === this.stage.canvas || target === document.documentElement;
  }

  onPointerDown(event) {
    this.stage.canvas.focus({ preventScroll: true });
    const point = this.stage.imagePoint(event);
    if (event.button === 1 || (event.button === 0 && this.spaceHeld)) {
      event.preventDefault();
      this.panning = { sx: point.sx, sy: point.sy, id: event.pointerId };
      this.stage.canvas.setPointerCapture(event.pointerId);
      this.stage.canvas.style.cursor = "grabbing";
      return;
    }
    if (event.button !== 0) return;
    if (this.tool.down(event, point)) {
      event.preventDefault();
      this.gesture = event.pointerId;
      this.stage.canvas.setPointerCapture(event.pointerId);
    }
  }

  onPointerMove(event) {
    const started = performance.now();
    this.handlePointerMove(event);
    this.stage.inputMs += performance.now() - started;
  }

  handlePointerMove(event) {
    const point = this.stage.imagePoint(event);
    this.pointer = point;
    const inside = point.x >= 0 && point.y >= 0 && point.x < this.item.width && point.y < this.item.height;
    this.coordinates.textContent = inside ? `x ${Math.floor(point.x)}, y ${Math.floor(point.y)}` : "";
    if (this.panning) {
      this.stage.panBy(point.sx - this.panning.sx, point.sy - this.panning.sy);
      this.panning.sx = point.sx;
      this.panning.sy = point.sy;
      return;
    }
    // Coalesced events carry the pointer's whole path; a brush stroke must follow it, not only the frames.
    const events = this.gesture !== undefined && event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    if (events.length > 1 && this.tool.name !== "select") {
      for (const coalesced of events) this.tool.move(coalesced, this.stage.imagePoint(coalesced));
    } else this.tool.move(event, point);
    if (this.gesture === undefined) this.updateHover(point);
    if (this.tool.crosshair || this.tool.name === "brush" || this.tool.name === "eraser") this.redraw();
  }

  updateHover(point) {
    const handle = this.handleAt(point.sx, point.sy);
    let cursor = this.spaceHeld ? "grab" : this.tool.cursor;
    if (handle) cursor = handle.type === "resize" ? RESIZE_CURSORS[handle.name] : "pointer";
    const hit = this.tool.name === "select" || this.tool.name === "classify" ? this.regionAt(point.x, point.y) : null;
    if (!handle && hit && this.selection.has(hit.key) && !this.isLocked(hit.key)) cursor = "move";
    this.stage.canvas.style.cursor = cursor;
    const key = hit ? hit.key : null;
    if (key !== this.hovered) {
      this.hovered = key;
      this.redraw();
    }
  }

  onPointerUp(event) {
    if (this.panning) {
      this.panning = null;
      this.stage.canvas.style.cursor = this.spaceHeld ? "grab" : this.tool.cursor;
      return;
    }
    if (this.gesture === undefined) return;
    this.gesture = undefined;
    this.tool.up(event, this.stage.imagePoint(event));
  }

  cancelGesture() {
    this.panning = null;
    if (this.gesture !== undefined) this.tool.cancel?.();
    this.gesture = undefined;
  }

  onWheel(event) {
    event.preventDefault();
    const { sx, sy } = this.stage.stagePoint(event);
    // Lines (Firefox) and pixels (Chromium) both become a smooth factor; a notch is about 10 %.
    const delta = event.deltaMode === 1 ? event.deltaY * 33 : event.deltaY;
    const factor = Math.exp(-delta * 0.001);
    this.stage.zoomTo(this.stage.view.scale * factor, sx, sy);
  }

  // ---- drawing ------------------------------------------------------------------------------------

  drawRegions(ctx) {
    const { stage } = this;
    const { scale, x: vx, y: vy } = stage.view;
    const { width: stageWidth, height: stageHeight } = stage.size;
    const regions = this.state.regions;
    const groups = new Map();
    const pendingGroups = new Map();
    const masks = [];
    const visible = [];
    for (const region of regions) {
      if (!SHAPE_KINDS.includes(region.kind) || this.model.isHidden(region.key)) continue;
      if (region.kind === "mask") {
        masks.push(region);
        visible.push(region);
        continue;
      }
      const b = region.kind === "bbox" ? null : bounds(region);
      const x0 = region.kind === "bbox" ? region.x * scale + vx : b[0] * scale + vx;
      const y0 = region.kind === "bbox" ? region.y * scale + vy : b[1] * scale + vy;
      const x1 = region.kind === "bbox" ? (region.x + region.width) * scale + vx : b[2] * scale + vx;
      const y1 = region.kind === "bbox" ? (region.y + region.height) * scale + vy : b[3] * scale + vy;
      if (x1 < 0 || y1 < 0 || x0 > stageWidth || y0 > stageHeight) continue;
      visible.push(region);
      const target = isPending(region) ? pendingGroups : groups;
      const colour = this.colour(region.label_class);
      if (!target.has(colour)) target.set(colour, []);
      target.get(colour).push(region);
    }
    if (masks.length) {
      ctx.imageSmoothingEnabled = false;
      ctx.globalAlpha = 0.5;
      for (const region of masks) {
        ctx.drawImage(
          region.mask.picture(this.colour(region.label_class)),
          vx,
          vy,
          region.mask.width * scale,
          region.mask.height * scale,
        );
      }
      ctx.globalAlpha = 1;
    }
    const tracePath = (region) => {
      if (region.kind === "bbox") {
        ctx.rect(region.x * scale + vx, region.y * scale + vy, region.width * scale, region.height * scale);
        return;
      }
      for (const ring of [region.points, ...(region.holes || [])]) {
        ring.forEach(([x, y], index) => {
          if (index) ctx.lineTo(x * scale + vx, y * scale + vy);
          else ctx.moveTo(x * scale + vx, y * scale + vy);
        });
        ctx.closePath();
      }
    };
    // One path per colour: a thousand boxes are two fills and two strokes, not two thousand.
    const paint = (map, dashed) => {
      ctx.lineWidth = 1.5;
      ctx.setLineDash(dashed ? [6, 4] : []);
      for (const [colour, members] of map) {
        ctx.beginPath();
        for (const region of members) tracePath(region);
        ctx.globalAlpha = dashed ? 0.08 : 0.14;
        ctx.fillStyle = colour;
        ctx.fill("evenodd");
        ctx.globalAlpha = 1;
        ctx.strokeStyle = colour;
        ctx.stroke();
      }
      ctx.setLineDash([]);
    };
    paint(groups, false);
    paint(pendingGroups, true);

    const emphasise = (region, width) => {
      if (region.kind === "mask") {
        const b = bounds(region);
        if (!b) return;
        ctx.setLineDash([4, 3]);
        ctx.strokeStyle = this.colour(region.label_class);
        ctx.lineWidth = 1.5;
        ctx.strokeRect(b[0] * scale + vx, b[1] * scale + vy, (b[2] - b[0]) * scale, (b[3] - b[1]) * scale);
        ctx.setLineDash([]);
        return;
      }
      ctx.beginPath();
      tracePath(region);
      ctx.lineWidth = width + 2;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.stroke();
      ctx.lineWidth = width;
      ctx.strokeStyle = this.colour(region.label_class);
      ctx.stroke();
    };
    if (this.hovered && !this.selection.has(this.hovered)) {
      const region = this.region(this.hovered);
      if (region && !this.model.isHidden(region.key)) emphasise(region, 2);
    }
    const selected = [];
    for (const key of this.selection) {
      const region = this.region(key);
      if (region && !this.model.isHidden(key)) selected.push(region);
    }
    for (const region of selected) emphasise(region, 2.5);

    const labelled = visible.length <= MAX_LABELLED_REGIONS ? visible : selected;
    for (const region of labelled) {
      const b = bounds(region);
      if (!b) continue;
      const text = isPending(region)
        ? `${this.className(region.label_class)} ${Math.round(region.confidence * 100)} %`
        : this.className(region.label_class);
      this.drawTag(ctx, text, b[0] * scale + vx, b[1] * scale + vy - 18, this.colour(region.label_class));
    }

    if (selected.length === 1 && !this.isLocked(selected[0].key)) {
      for (const handle of this.handles(selected[0])) {
        ctx.beginPath();
        if (handle.type === "midpoint") ctx.arc(handle.sx, handle.sy, 3.5, 0, Math.PI * 2);
        else ctx.rect(handle.sx - 4, handle.sy - 4, 8, 8);
        ctx.fillStyle = handle.type === "midpoint" ? this.colour(selected[0].label_class) : "#ffffff";
        ctx.fill();
        ctx.lineWidth = 1.5;
        ctx.strokeStyle = "#1b1f24";
        ctx.stroke();
      }
    }
  }

  /** A small label with a coloured background (class names, sizes); text is drawn as text, never markup. */
  drawTag(ctx, text, x, y, colour) {
    ctx.font = "600 12px system-ui, sans-serif";
    const width = ctx.measureText(text).width + 8;
    const top = Math.max(0, y);
    ctx.fillStyle = colour;
    ctx.globalAlpha = 0.9;
    ctx.fillRect(x, top, width, 17);
    ctx.globalAlpha = 1;
    ctx.fillStyle = readableOn(colour);
    ctx.textBaseline = "middle";
    ctx.fillText(text, x + 4, top + 9);
  }

  drawOverlay(ctx) {
    const { stage, pointer } = this;
    if (pointer && this.tool.crosshair && !this.panning && !this.spaceHeld) {
      ctx.lineWidth = 1;
      const x = Math.round(pointer.sx) + 0.5;
      const y = Math.round(pointer.sy) + 0.5;
      ctx.strokeStyle = "rgba(0,0,0,0.55)";
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, stage.size.height);
      ctx.moveTo(0, y);
      ctx.lineTo(stage.size.width, y);
      ctx.stroke();
      ctx.setLineDash([4, 4]);
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.stroke();
      ctx.setLineDash([]);
    }
    this.tool.draw?.(ctx, stage);
  }
}

/** Black or white, whichever reads better on a #rrggbb background. */
function readableOn(colour) {
  const r = parseInt(colour.slice(1, 3), 16);
  const g = parseInt(colour.slice(3, 5), 16);
  const b = parseInt(colour.slice(5, 7), 16);
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#000000" : "#ffffff";
}
