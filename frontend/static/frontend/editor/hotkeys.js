// Keyboard shortcuts: one table of bindings that both the key handler and the help overlay read, so
// the help always lists exactly what the keys do.

const TEXT_FIELDS = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/** A key event as a binding name: modifiers in the order Ctrl, Alt, Shift, then the key ("Ctrl+Shift+z"). */
export function keyName(event) {
  let key = event.key;
  if (key === " ") key = "Space";
  if (key === "Spacebar") key = "Space";
  const printable = key.length === 1;
  const parts = [];
  if (event.ctrlKey || event.metaKey) parts.push("Ctrl");
  if (event.altKey) parts.push("Alt");
  // Shift is part of the name for letters and named keys; for symbols it is already in the character ("?").
  if (event.shiftKey && (!printable || /[a-z]/i.test(key))) parts.push("Shift");
  parts.push(printable ? key.toLowerCase() : key);
  return parts.join("+");
}

const KEY_LABELS = {
  ArrowLeft: "←",
  ArrowRight: "→",
  ArrowUp: "↑",
  ArrowDown: "↓",
  Escape: "Esc",
  Delete: "Delete",
  Backspace: "Backspace",
  Enter: "Enter",
  Space: "Space",
};

/** A binding name as people read it: "Ctrl+Shift+z" → "Ctrl+Shift+Z", "Ctrl++" → "Ctrl++". */
export function displayKey(name) {
  let key = name;
  let modifiers = [];
  if (name !== "+") {
    const parts = name.split("+");
    key = parts.pop();
    if (key === "") {
      key = "+";
      parts.pop();
    }
    modifiers = parts;
  }
  const label = KEY_LABELS[key] || (key.length === 1 ? key.toUpperCase() : key);
  return [...modifiers, label].join("+");
}

export function isTextField(element) {
  return Boolean(element && (TEXT_FIELDS.has(element.tagName) || element.isContentEditable));
}

export class Keymap {
  constructor() {
    this.bindings = [];
  }

  /**
   * keys: binding names; group and label: for the help; run(event): the action (return false to let
   * the key through); when(): whether it applies now; inTextFields: also while typing in a field.
   */
  add({ keys, label, group, run, when = () => true, inTextFields = false, hidden = false }) {
    this.bindings.push({ keys: keys.filter(Boolean), label, group, run, when, inTextFields, hidden });
  }

  handle(event) {
    if (event.defaultPrevented || event.isComposing) return false;
    const name = keyName(event);
    const typing = isTextField(event.target);
    for (const binding of this.bindings) {
      if (!binding.keys.includes(name)) continue;
      if (typing && !binding.inTextFields) continue;
      if (!binding.when()) continue;
      if (binding.run(event) === false) continue;
      event.preventDefault();
      event.stopPropagation();
      return true;
    }
    return false;
  }

  /** [{group, rows: [{keys: [display names], label}]}] in the order groups were first used. */
  describe() {
    const groups = new Map();
    for (const binding of this.bindings) {
      if (binding.hidden || !binding.keys.length) continue;
      if (!groups.has(binding.group)) groups.set(binding.group, []);
      groups.get(binding.group).push({ keys: binding.keys.map(displayKey), label: binding.label });
    }
    return [...groups].map(([group, rows]) => ({ group, rows }));
  }
}

/**
 * Class hotkeys: a class's own hotkey from the schema, and the digits 1–9 by position for classes whose
 * digit no schema hotkey takes. Returns Map(class id → [binding names]).
 */
export function classKeys(classes) {
  const taken = new Set(classes.map((c) => (c.hotkey || "").toLowerCase()).filter(Boolean));
  const keys = new Map();
  classes.forEach((labelClass, index) => {
    const names = [];
    if (labelClass.hotkey) names.push(labelClass.hotkey.toLowerCase());
    const digit = String(index + 1);
    if (index < 9 && !taken.has(digit)) names.push(digit);
    keys.set(labelClass.id, names);
  });
  return keys;
}

/** A tool's key: the plain letter, or Shift+letter when a class of the schema already uses the letter. */
export function toolKey(letter, takenByClasses) {
  return takenByClasses.has(letter) ? `Shift+${letter}` : letter;
}
