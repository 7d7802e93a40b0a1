// Pipeline builder: steps from the engine's catalog with their parameters and ranges, reordering and
// grouping with buttons (keyboard-usable), a JSON view that stays in sync, presets, live validation with
// each problem shown next to its step or parameter, and the preview panel.

import { ApiError, api } from "../frontend/api.js";
import { $, announce, clear, h, showMessage } from "../frontend/dom.js";
import { clearErrors, setBusy } from "../frontend/forms.js";
import { GROUP_TYPES, commands, errorPath, sameParent, stepAt } from "./builder-state.js";
import { defaultStep, paramField } from "./params.js";
import { wirePreview } from "./preview.js";

const VALIDATE_DELAY_MS = 350;
const EMPTY_CONFIG = { seed: 0, min_visibility: 0, steps: [] };

const root = $("#builder");
if (root) start(root).catch(showFatal);

function showFatal(error) {
  showMessage($("#pipeline-form [data-form-error]"), error.message || String(error));
}

async function start(root) {
  const canManage = root.dataset.canManage === "true";
  const pipelinesApi = root.dataset.pipelinesApi;
  const state = {
    id: root.dataset.pipelineId ? Number(root.dataset.pipelineId) : null,
    config: structuredClone(EMPTY_CONFIG),
    selected: new Set(),
    catalog: new Map(),
    presets: [],
    validateTimer: null,
    validation: 0,
  };
  const form = $("#pipeline-form");
  const [catalog, presets, saved] = await Promise.all([
    api.get(root.dataset.catalogApi),
    api.get(root.dataset.presetsApi),
    state.id ? api.get(`${pipelinesApi}${state.id}/`) : Promise.resolve(null),
  ]);
  for (const entry of catalog.transforms) state.catalog.set(entry.name, entry);
  state.presets = presets.presets;
  if (saved) {
    state.config = saved.config;
    form.elements.name.value = saved.name;
    form.elements.description.value = saved.description;
  }

  fillPresets();
  fillAddStep();
  render();
  wireForm();
  wireJson();
  wirePreview({ root: $("#preview"), pipelinesApi, config: () => state.config });
  if (state.config.steps.length) scheduleValidation();

  // --- rendering ------------------------------------------------------------------------------------

  function render({ focus } = {}) {
    form.elements.seed.value = state.config.seed ?? 0;
    form.elements.min_visibility.value = state.config.min_visibility ?? 0;
    const list = $("#steps");
    clear(list);
    state.config.steps.forEach((step, index) => list.append(stepElement(step, [index])));
    $("#steps-empty").hidden = state.config.steps.length > 0;
    updateSelection();
    syncJson();
    if (focus) list.querySelector(focus)?.focus();
  }

  function stepElement(step, path) {
    const entry = state.catalog.get(step.type);
    const key = path.join("-");
    const isGroup = GROUP_TYPES.has(step.type);
    const title = h("h4", { class: "step-title", id: `step-title-${key}`, text: step.type });
    const header = h("div", { class: "step-header" });
    if (canManage) {
      const select = h("input", {
        type: "checkbox",
        "aria-label": `Select step ${path.map((i) => i + 1).join(".")} (${step.type}) for grouping`,
        dataset: { select: key },
      });
      select.checked = state.selected.has(key);
      select.addEventListener("change", () => {
        if (select.checked) state.selected.add(key);
        else state.selected.delete(key);
        updateSelection();
      });
      header.append(select);
    }
    header.append(h("span", { class: "step-index", text: path.map((i) => i + 1).join(".") }), title);
    if (entry) header.append(h("span", { class: "badge", text: entry.group }));
    if (canManage) header.append(stepActions(step, path, key));
    const item = h(
      "li",
      { class: isGroup ? "step group" : "step", "aria-labelledby": `step-title-${key}`, dataset: { path: key } },
      header,
      h("p", { class: "field-error", dataset: { errorFor: errorPath(path) } }),
      h("p", { class: "field-error", dataset: { errorFor: `${errorPath(path)}.type` } }),
    );
    if (entry?.summary) item.append(h("p", { class: "step-summary", text: entry.summary }));
    const params = h("div", { class: "step-params" });
    for (const param of entry?.params ?? []) {
      if (param.type === "steps") continue;
      params.append(
        paramField(param, step[param.name], {
          errorPath: `${errorPath(path)}.${param.name}`,
          disabled: !canManage,
          onChange: (value) => {
            commands.setParam(state.config, path, param.name, value);
            changed();
          },
        }),
      );
    }
    item.append(params);
    if (isGroup) {
      const children = h("ol", { class: "step-list", "aria-label": `Steps of ${step.type}` });
      step.steps.forEach((child, index) => children.append(stepElement(child, [...path, index])));
      item.append(
        children,
        h("p", { class: "field-error", dataset: { errorFor: `${errorPath(path)}.steps` } }),
      );
      if (canManage) item.append(addToGroup(path, key));
    }
    return item;
  }

  function stepActions(step, path, key) {
    const name = `${step.type} (step ${path.map((i) => i + 1).join(".")})`;
    const button = (action, text, label, handler) =>
      h("button", {
        type: "button",
        class: "button ghost",
        "aria-label": `${label} ${name}`,
        dataset: { action: `${action}-${key}` },
        text,
        on: { click: handler },
      });
    const actions = h(
      "div",
      { class: "step-actions" },
      button("up", "↑", "Move up", () => move(path, -1, "up")),
      button("down", "↓", "Move down", () => move(path, 1, "down")),
    );
    if (GROUP_TYPES.has(step.type)) actions.append(button("ungroup", "Ungroup", "Ungroup", () => ungroup(path)));
    actions.append(button("remove", "Remove", "Remove", () => remove(path)));
    return actions;
  }

  function addToGroup(path, key) {
    const id = `add-to-${key}`;
    const select = typeSelect(id);
    const add = h("button", {
      type: "button",
      class: "button",
      text: "Add to group",
      on: {
        click: () => {
          const newPath = commands.add(state.config, path, defaultStep(state.catalog.get(select.value)));
          structural(`[data-path="${newPath.join("-")}"] [data-action^="remove"]`);
          announce(`${select.value} added to the group.`);
        },
      },
    });
    return h("div", { class: "add-step" }, h("div", { class: "field" }, h("label", { for: id, text: "Add a step to this group" }), select), add);
  }

  // --- commands -------------------------------------------------------------------------------------

  function move(path, delta, direction) {
    const moved = commands.move(state.config, path, delta);
    if (!moved) return;
    state.selected.clear();
    structural(`[data-action="${direction}-${moved.join("-")}"]`);
    announce(`Moved to position ${moved[moved.length - 1] + 1}.`);
  }

  function remove(path) {
    const step = stepAt(state.config, path);
    commands.remove(state.config, path);
    state.selected.clear();
    structural();
    $("#add-step-type")?.focus();
    announce(`${step.type} removed.`);
  }

  function ungroup(path) {
    commands.ungroup(state.config, path);
    state.selected.clear();
    structural();
    announce("Group removed; its steps stay in place.");
  }

  function group(kind) {
    const paths = Array.from(state.selected, (key) => key.split("-").map(Number));
    if (!sameParent(paths)) return;
    const groupPath = commands.group(state.config, paths, kind);
    state.selected.clear();
    structural(`[data-action="ungroup-${groupPath.join("-")}"]`);
    announce(`Grouped ${paths.length} steps as ${kind}.`);
  }

  function structural(focus) {
    render({ focus });
    scheduleValidation();
  }

  function changed() {
    syncJson();
    scheduleValidation();
  }

  function updateSelection() {
    if (!canManage) return;
    const paths = Array.from(state.selected, (key) => key.split("-").map(Number));
    const groupable = paths.length > 0 && sameParent(paths);
    $("#group-one-of").disabled = !groupable;
    $("#group-some-of").disabled = !groupable;
    $("#selection-count").textContent = paths.length
      ? groupable
        ? `${paths.length} selected.`
        : "Selected steps must be in the same list to group them."
      : "Select steps (checkboxes) to group them.";
  }

  // --- catalog, presets and adding steps ---------------------------------------------------------------

  function currentTarget() {
    const targets = new Set();
    const walk = (steps) =>
      steps.forEach((step) => {
        const entry = state.catalog.get(step.type);
        if (entry && entry.target !== "any") targets.add(entry.target);
        if (step.steps) walk(step.steps);
      });
    walk(state.config.steps);
    return targets.size === 1 ? [...targets][0] : null;
  }

  function typeSelect(id) {
    const select = h("select", { id });
    const target = currentTarget();
    const groups = new Map();
    for (const entry of state.catalog.values()) {
      if (target && entry.target !== "any" && entry.target !== target) continue;
      if (!groups.has(entry.group)) groups.set(entry.group, h("optgroup", { label: entry.group }));
      groups.get(entry.group).append(h("option", { value: entry.name, text: entry.name }));
    }
    select.append(...groups.values());
    return select;
  }

  function fillAddStep() {
    const current = $("#add-step-type");
    if (!current) return;
    const select = typeSelect("add-step-type");
    current.replaceWith(select);
    const summary = () => {
      $("#add-step-summary").textContent = state.catalog.get(select.value)?.summary ?? "";
    };
    select.addEventListener("change", summary);
    summary();
  }

  function fillPresets() {
    const select = form.elements.preset;
    for (const preset of state.presets) select.append(h("option", { value: preset.name, text: `${preset.title} (${preset.target})` }));
    select.addEventListener("change", () => {
      $("#preset-why").textContent = state.presets.find((p) => p.name === select.value)?.why ?? "";
    });
    $("#use-preset").addEventListener("click", async () => {
      const preset = state.presets.find((p) => p.name === select.value);
      if (!preset) return;
      if (state.config.steps.length && !window.confirm("Replace the current steps with this preset?")) return;
      // Through the server, which fills in every default, so each parameter shows its value.
      const converted = await api.post(`${pipelinesApi}convert/`, { data: preset.config });
      state.config = converted.config;
      state.selected.clear();
      fillAddStep();
      structural();
      announce(`Preset ${preset.title} loaded.`);
    });
  }

  // --- form: top-level fields, grouping buttons, saving -------------------------------------------

  function wireForm() {
    form.elements.seed.addEventListener("input", () => {
      const value = form.elements.seed.value;
      commands.setParam(state.config, [], "seed", value === "" ? undefined : Number(value));
      changed();
    });
    form.elements.min_visibility.addEventListener("input", () => {
      const value = form.elements.min_visibility.value;
      commands.setParam(state.config, [], "min_visibility", value === "" ? undefined : Number(value));
      changed();
    });
    if (!canManage) return;
    $("#group-one-of").addEventListener("click", () => group("one_of"));
    $("#group-some-of").addEventListener("click", () => group("some_of"));
    $("#add-step").addEventListener("click", () => {
      const type = $("#add-step-type").value;
      const path = commands.add(state.config, [], defaultStep(state.catalog.get(type)));
      fillAddStep();
      structural(`[data-path="${path.join("-")}"] [data-action^="up"]`);
      announce(`${type} added as step ${path[0] + 1}.`);
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors(form);
      setBusy(form, true);
      const body = {
        name: form.elements.name.value.trim(),
        description: form.elements.description.value,
        config: state.config,
      };
      try {
        const saved = state.id
          ? await api.patch(`${pipelinesApi}${state.id}/`, body)
          : await api.post(pipelinesApi, body);
        const created = !state.id;
        state.id = saved.id;
        state.config = saved.config;
        render();
        $("#builder-title").textContent = saved.name;
        const launch = $("#launch-link");
        launch.href = `${root.dataset.launchPage}?pipeline=${saved.id}`;
        launch.hidden = false;
        if (created) window.history.replaceState(null, "", `${root.dataset.pipelinesPage}${saved.id}/`);
        showMessage(form.querySelector("[data-form-status]"), "Saved.");
        announce("Pipeline saved.");
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        placeErrors(error.errors, error.detail);
      } finally {
        setBusy(form, false);
      }
    });
  }

  // --- validation ---------------------------------------------------------------------------------

  function scheduleValidation() {
    window.clearTimeout(state.validateTimer);
    state.validateTimer = window.setTimeout(validate, VALIDATE_DELAY_MS);
  }

  async function validate() {
    const run = (state.validation += 1);
    const status = $("#validation-status");
    status.textContent = "Checking…";
    try {
      const result = await api.post(`${pipelinesApi}validate/`, { config: state.config });
      if (run !== state.validation) return; // a newer edit is being checked
      placeErrors(result.errors, null);
      const count = Object.keys(result.errors).length;
      status.textContent = result.valid ? `Valid ${result.target} pipeline.` : `${count} problem${count === 1 ? "" : "s"}.`;
    } catch (error) {
      status.textContent = error.message;
    }
  }

  /** Put each message in the slot of its path, or of the closest enclosing path that has one. */
  function placeErrors(errors, detail) {
    const slots = new Map();
    for (const slot of form.querySelectorAll("[data-error-for]")) {
      slot.textContent = "";
      slots.set(slot.dataset.errorFor, slot);
    }
    for (const step of form.querySelectorAll(".step")) step.classList.remove("has-error");
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    const unplaced = [];
    for (const [path, messages] of Object.entries(errors || {})) {
      let key = path;
      while (key && !slots.has(key)) key = enclosingPath(key);
      const slot = slots.get(key);
      const text = [].concat(messages).join(" ");
      if (!slot) {
        unplaced.push(`${path}: ${text}`);
        continue;
      }
      slot.textContent = slot.textContent ? `${slot.textContent} ${text}` : text;
      slot.closest(".step")?.classList.add("has-error");
      const field = slot.closest(".field");
      for (const input of field ? field.querySelectorAll("input, select") : []) input.setAttribute("aria-invalid", "true");
    }
    const formError = form.querySelector("[data-form-error]");
    showMessage(formError, unplaced.length ? unplaced.join(" ") : detail && !Object.keys(errors || {}).length ? detail : "");
  }

  // --- JSON ---------------------------------------------------------------------------------------

  function syncJson() {
    const text = JSON.stringify(state.config, null, 2);
    const area = $("#pipeline-json");
    if (document.activeElement !== area) area.value = text;
    const link = $("#download-json");
    if (link.dataset.url) URL.revokeObjectURL(link.dataset.url);
    link.dataset.url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
    link.href = link.dataset.url;
    link.download = `${(form.elements.name.value || "pipeline").replace(/[^\w.-]+/g, "_")}.json`;
  }

  function wireJson() {
    const area = $("#pipeline-json");
    const error = $("#json-error");
    const apply = async (text) => {
      let data;
      try {
        data = JSON.parse(text);
      } catch (problem) {
        error.textContent = `Not valid JSON: ${problem.message}`;
        return;
      }
      try {
        // Albumentations' format (and ours) through the server, which converts and fills in defaults.
        const converted = await api.post(`${pipelinesApi}convert/`, { data });
        state.config = converted.config;
        error.textContent = "";
        state.selected.clear();
        fillAddStep();
        structural();
        announce("JSON applied.");
      } catch (problem) {
        if (!(problem instanceof ApiError)) throw problem;
        const messages = Object.entries(problem.errors).map(([path, list]) => `${path}: ${[].concat(list).join(" ")}`);
        error.textContent = messages.length ? messages.join(" ") : problem.detail;
      }
    };
    $("#apply-json").addEventListener("click", () => apply(area.value));
    area.addEventListener("blur", () => {
      if (!error.textContent) syncJson();
    });
    const file = $("#json-file");
    $("#load-json-file").addEventListener("click", () => file.click());
    file.addEventListener("change", async () => {
      const chosen = file.files[0];
      if (!chosen) return;
      const text = await chosen.text();
      area.value = text;
      await apply(text);
      file.value = "";
    });
    if (!canManage) $("#apply-json").textContent = "Apply JSON (preview only)";
  }
}

/** "config.steps[0].limit[1]" -> "config.steps[0].limit" -> "config.steps[0]" -> ... -> "". */
function enclosingPath(key) {
  const trimmed = key.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
  return trimmed === key ? "" : trimmed;
}
