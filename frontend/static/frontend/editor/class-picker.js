// A row of class buttons in the schema's colours, each showing its hotkeys. Used for the drawing class
// (one active), image classes and text classes (toggles).

import { clear, h, safeColour } from "../dom.js";
import { displayKey } from "./hotkeys.js";

export class ClassPicker {
  /**
   * classes: [{id, name, color}]; keys: Map(id → binding names); onPick(classId, event).
   * `label` names the group for screen readers.
   */
  constructor(container, { classes, keys, label, onPick, compact = false }) {
    this.container = container;
    this.buttons = new Map();
    clear(container);
    container.setAttribute("role", "group");
    container.setAttribute("aria-label", label);
    for (const labelClass of classes) {
      const hotkeys = keys.get(labelClass.id) || [];
      const swatch = h("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.backgroundColor = safeColour(labelClass.color);
      const button = h(
        "button",
        {
          type: "button",
          class: compact ? "class-button compact" : "class-button",
          "aria-pressed": "false",
          title: hotkeys.length ? `${labelClass.name} (${hotkeys.map(displayKey).join(" or ")})` : labelClass.name,
          dataset: { classId: String(labelClass.id) },
          on: { click: (event) => onPick(labelClass.id, event) },
        },
        swatch,
        h("span", { class: "class-name", dir: "auto", text: labelClass.name }),
        ...hotkeys.slice(0, 2).map((key) => h("kbd", { text: displayKey(key) })),
      );
      this.buttons.set(labelClass.id, button);
      container.append(button);
    }
  }

  /** Mark the classes in `pressed` (a Set of ids) as pressed. */
  setPressed(pressed) {
    for (const [id, button] of this.buttons) button.setAttribute("aria-pressed", String(pressed.has(id)));
  }
}
