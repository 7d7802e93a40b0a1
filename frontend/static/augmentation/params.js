// Form fields for transform parameters, built from the engine's catalog (type, default, min, max, choices).
// Every field shows its allowed range, and has an error slot named by the parameter's JSON path, so the
// API's validation messages land next to the value they are about.

import { h } from "../frontend/dom.js";

let counter = 0;
const nextId = (prefix) => `${prefix}-${(counter += 1)}`;

function formatNumber(value) {
  if (value === null || value === undefined) return "";
  if (Math.abs(value) >= 1e9) return value.toExponential(0);
  return String(value);
}

/** "0 to 360", "at least 1", "one of a, b" — what the engine accepts. */
export function rangeText(param) {
  if (param.choices) return `one of ${param.choices.join(", ")}`;
  if (param.type === "boolean") return "on or off";
  if (param.type === "color") return `grey level or r,g,b (${formatNumber(param.min)} to ${formatNumber(param.max)})`;
  const low = param.min;
  const high = param.max;
  let bounds = "";
  if (low !== null && high !== null) bounds = `${formatNumber(low)} to ${formatNumber(high)}`;
  else if (low !== null) bounds = `at least ${formatNumber(low)}`;
  else if (high !== null) bounds = `at most ${formatNumber(high)}`;
  if (param.type.endsWith("_range")) return `low, high${bounds ? ` within ${bounds}` : ""}`;
  return bounds;
}

function numberInput(param, value, id, describedBy, onInput) {
  const input = h("input", {
    type: "number",
    id,
    step: param.type.startsWith("integer") ? "1" : "any",
    min: param.min ?? null,
    max: param.max ?? null,
    "aria-describedby": describedBy,
  });
  input.value = value === undefined || value === null ? "" : String(value);
  input.addEventListener("input", onInput);
  return input;
}

function parseNumber(text) {
  if (text.trim() === "") return undefined;
  const number = Number(text);
  // Not a number: sent as typed, so the server's message names the problem next to the field.
  return Number.isFinite(number) ? number : text;
}

/**
 * A field for one parameter. `onChange(value)` gets the JSON value, or undefined to drop the key (the
 * engine then uses the default). `errorPath` is the API error key, e.g. "config.steps[0].limit".
 */
export function paramField(param, value, { errorPath, onChange, disabled }) {
  const id = nextId(`param-${param.name}`);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = `${hintId} ${errorId}`;
  let control;
  if (param.type === "boolean") {
    const input = h("input", { type: "checkbox", id, "aria-describedby": describedBy });
    input.checked = Boolean(value ?? param.default);
    input.addEventListener("change", () => onChange(input.checked));
    control = h("label", { class: "check" }, input, param.name);
  } else if (param.type === "enum") {
    control = h("select", { id, "aria-describedby": describedBy });
    for (const choice of param.choices) control.append(h("option", { value: choice, text: choice }));
    control.value = value ?? param.default ?? param.choices[0];
    control.addEventListener("change", () => onChange(control.value));
  } else if (param.type === "number_range" || param.type === "integer_range") {
    const pair = Array.isArray(value) ? value : typeof value === "number" ? [-value, value] : [undefined, undefined];
    const inputs = [];
    const changed = () => {
      const [low, high] = inputs.map((input) => parseNumber(input.value));
      onChange(low === undefined && high === undefined ? undefined : [low ?? high, high ?? low]);
    };
    inputs.push(numberInput(param, pair[0], id, describedBy, changed));
    inputs.push(numberInput(param, pair[1], `${id}-high`, describedBy, changed));
    inputs[0].setAttribute("aria-label", `${param.name} low`);
    inputs[1].setAttribute("aria-label", `${param.name} high`);
    control = h("div", { class: "param-range" }, inputs[0], h("span", { "aria-hidden": "true", text: "–" }), inputs[1]);
  } else if (param.type === "color") {
    const input = h("input", { type: "text", id, "aria-describedby": describedBy, autocomplete: "off" });
    input.value = Array.isArray(value) ? value.join(",") : value === undefined || value === null ? "" : String(value);
    input.addEventListener("input", () => {
      const parts = input.value.split(",").map((part) => part.trim()).filter(Boolean);
      if (!parts.length) onChange(undefined);
      else if (parts.length === 1) onChange(parseNumber(parts[0]));
      else onChange(parts.map((part) => parseNumber(part)));
    });
    control = input;
  } else if (param.type === "string") {
    const input = h("input", { type: "text", id, "aria-describedby": describedBy, autocomplete: "off" });
    input.value = value ?? "";
    input.addEventListener("input", () => onChange(input.value === "" && param.nullable ? null : input.value));
    control = input;
  } else {
    control = numberInput(param, value, id, describedBy, (event) => onChange(parseNumber(event.target.value)));
  }
  if (disabled) for (const element of [control, ...control.querySelectorAll("input, select")]) element.disabled = true;
  const label =
    param.type === "boolean"
      ? h("span", { class: "visually-hidden", text: param.name })
      : h("label", { for: id, text: param.required ? `${param.name} *` : param.name });
  const hint = [rangeText(param), param.description].filter(Boolean).join(" — ");
  return h(
    "div",
    { class: "field" },
    label,
    control,
    h("p", { class: "param-hint", id: hintId, text: hint }),
    h("p", { class: "field-error", id: errorId, dataset: { errorFor: errorPath } }),
  );
}

/** A new step with every parameter at its default, as the server would fill it in. */
export function defaultStep(entry) {
  const step = { type: entry.name };
  for (const param of entry.params) {
    if (param.type === "steps") step.steps = [];
    else if (!param.required) step[param.name] = param.default;
  }
  return step;
}
