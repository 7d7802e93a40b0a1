// Small DOM helpers. User text only ever reaches the page through text nodes and textContent:
// nothing in this project assigns innerHTML, so a file name like "<img onerror=…>" stays text.

/**
 * Create an element. `props` keys: `class`, `text`, `dataset` (object), `on` (event → handler),
 * booleans (true sets an empty attribute, false/null/undefined skip it), anything else is an attribute.
 * Children may be nodes or strings (strings become text nodes); null and false are skipped.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = String(value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key === "on") for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function $$(selector, root = document) {
  return Array.from(root.querySelectorAll(selector));
}

/** Show a message (or hide the element when the message is empty). */
export function showMessage(element, message) {
  if (!element) return;
  element.textContent = message || "";
  element.hidden = !message;
}

/** Tell screen-reader users about something that happened away from their focus. */
export function announce(message) {
  const region = document.getElementById("live-region");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick makes screen readers repeat identical messages.
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

const HEX_COLOUR = /^#[0-9a-f]{6}$/i;

/** A colour from the server, or a neutral grey when it is not #rrggbb (it becomes CSS). */
export function safeColour(value) {
  return HEX_COLOUR.test(value || "") ? value : "#888888";
}

export function swatch(colour) {
  const element = h("span", { class: "swatch", "aria-hidden": "true" });
  element.style.backgroundColor = safeColour(colour);
  return element;
}

export function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export const SPLIT_LABELS = { train: "Train", val: "Validation", test: "Test", "": "Unassigned" };
export const STATUS_LABELS = {
  new: "New",
  in_progress: "In progress",
  submitted: "Submitted",
  accepted: "Accepted",
  rejected: "Rejected",
};

export function splitLabel(split) {
  return SPLIT_LABELS[split || ""] ?? split;
}

export function statusLabel(status) {
  return STATUS_LABELS[status] ?? status;
}
