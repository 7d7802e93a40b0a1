// One item's editing state as both editors (image and text) share it: the regions, the undo history,
// the selection and the view flags (hidden, locked: the annotator's view, not saved), the schema's
// classes, and the time events every change produces.

import { safeColour } from "../dom.js";
import { History, findRegion } from "./history.js";

export class EditorModel {
  constructor({ project, item, regions, timing }) {
    this.project = project;
    this.item = item;
    this.timing = timing;
    this.state = { regions };
    this.classes = [...project.classes].sort((a, b) => a.order - b.order || a.id - b.id);
    this.classById = new Map(this.classes.map((c) => [c.id, c]));
    this.selection = new Set();
    this.hidden = new Set();
    this.locked = new Set();
    this.listeners = new Map();
    this.history = new History(this.state, { onChange: (command, how) => this.changed(command, how) });
    // Class of each region, remembered so a deletion's time event can still name it.
    this.lastClass = new Map(regions.map((r) => [r.key, r.label_class]));
  }

  on(name, listener) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(listener);
    return () => this.listeners.get(name).delete(listener);
  }

  emit(name, detail) {
    for (const listener of this.listeners.get(name) || []) listener(detail);
  }

  region(key) {
    return findRegion(this.state, key);
  }

  /** Classes usable for a kind on this item (a class with no kinds allows all of the project's). */
  classesFor(kind) {
    return this.classes.filter((c) => !c.kinds || !c.kinds.length || c.kinds.includes(kind));
  }

  classAllows(classId, kind) {
    const labelClass = this.classById.get(classId);
    return Boolean(labelClass && (!labelClass.kinds || !labelClass.kinds.length || labelClass.kinds.includes(kind)));
  }

  className(classId) {
    return this.classById.get(classId)?.name ?? `class ${classId}`;
  }

  colour(classId) {
    return safeColour(this.classById.get(classId)?.color);
  }

  /** Run a command as one undo step; `started` (performance.now()) is when the gesture began. */
  commit(command, started = performance.now()) {
    this.pendingStart = started;
    this.history.execute(command);
  }

  /** Add a command whose effect the state already has (a drag shown live). */
  record(command, started = performance.now()) {
    this.pendingStart = started;
    this.history.record(command);
  }

  undo() {
    this.pendingStart = null;
    return this.history.undo();
  }

  redo() {
    this.pendingStart = null;
    return this.history.redo();
  }

  changed(command, how) {
    this.logEvents(command, how);
    const keys = new Set(this.state.regions.map((r) => r.key));
    if (how !== "do") {
      // Undo and redo select what they brought back or changed, so the annotator sees what happened.
      const { created = [], edited = [], deleted = [] } = command.changes || {};
      const touched = how === "undo" ? [...deleted, ...edited] : [...created, ...edited];
      this.selection = new Set(touched.filter((key) => keys.has(key) && this.isShape(key)));
    }
    for (const key of [...this.selection]) if (!keys.has(key)) this.selection.delete(key);
    this.emit("change", { command, how });
  }

  logEvents(command, how) {
    const { created = [], edited = [], deleted = [], tool = null } = command.changes || {};
    const now = performance.now();
    const started =
      how === "do" && this.pendingStart !== null && this.pendingStart !== undefined ? this.pendingStart : now;
    this.pendingStart = null;
    const base = { tool: how === "do" ? tool : how, at: started, duration_ms: Math.max(0, Math.round(now - started)) };
    const add = (type, key) => {
      const region = this.region(key);
      const labelClass = region ? region.label_class : (this.lastClass.get(key) ?? null);
      if (region) this.lastClass.set(key, region.label_class);
      this.timing.log.add({ type, region_key: key, label_class: labelClass, ...base });
    };
    const undoing = how === "undo";
    for (const key of created) add(undoing ? "deleted" : "created", key);
    for (const key of edited) add("edited", key);
    for (const key of deleted) add(undoing ? "created" : "deleted", key);
  }

  isShape(key) {
    const kind = this.region(key)?.kind;
    return kind !== "image_class" && kind !== "text_class";
  }

  select(keys) {
    this.selection = new Set(keys);
    this.emit("selection");
  }

  toggleSelected(key) {
    if (this.selection.has(key)) this.selection.delete(key);
    else this.selection.add(key);
    this.emit("selection");
  }

  isHidden(key) {
    return this.hidden.has(key);
  }

  isLocked(key) {
    return this.locked.has(key);
  }

  /** Hide or show (lock or unlock) the given regions: all of them flip to the opposite of the first. */
  toggleFlag(flag, keys) {
    const set = flag === "hidden" ? this.hidden : this.locked;
    if (!keys.length) return;
    const on = !set.has(keys[0]);
    for (const key of keys) {
      if (on) set.add(key);
      else set.delete(key);
    }
    if (flag === "hidden" && on) for (const key of keys) this.selection.delete(key);
    this.emit("view");
    this.emit("selection");
  }
}
