// Whole-item classes (image_class, text_class): toggled by their buttons or hotkeys. A project that
// allows one class per item replaces the previous class; pressing the current class again removes it.

import { addRegions, compose, removeRegions } from "../history.js";
import { newRegionKey } from "../regions.js";

export class Classifier {
  constructor(editor, kind, { multi }) {
    this.editor = editor;
    this.kind = kind;
    this.multi = multi;
  }

  regions() {
    return this.editor.state.regions.filter((r) => r.kind === this.kind);
  }

  pressed() {
    return new Set(this.regions().map((r) => r.label_class));
  }

  toggle(classId, tool = "classify") {
    const { editor, kind } = this;
    const existing = this.regions().find((r) => r.label_class === classId);
    const started = performance.now();
    const name = editor.className(classId);
    if (existing) {
      editor.commit(removeRegions(editor.state, [existing.key], { label: `Remove class ${name}`, tool }), started);
      editor.notify(`Removed class ${name}.`);
      return;
    }
    const region = { key: newRegionKey(), kind, label_class: classId, comment: "", confidence: null };
    const add = addRegions([region], { label: `Class ${name}`, tool });
    const others = this.multi ? [] : this.regions().map((r) => r.key);
    const command = others.length
      ? compose([removeRegions(editor.state, others, { tool }), add], { label: `Class ${name}` })
      : add;
    editor.commit(command, started);
    editor.notify(`Class ${name}.`);
  }
}
