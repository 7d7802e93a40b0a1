// The builder's preview panel: the original and K augmented copies of an item (or of a few random items),
// each drawn on a canvas with its labels. The same seed always gives the same pictures.

import { ApiError, api } from "../frontend/api.js";
import { $, announce, clear, h, swatch } from "../frontend/dom.js";
import { clearErrors, setBusy, showErrors } from "../frontend/forms.js";
import { classLookup, describeRegions, drawImageView, textView } from "./draw.js";

export function wirePreview({ root, pipelinesApi, config }) {
  const form = $("#preview-form", root);
  const results = $("#preview-results", root);
  const status = $("#preview-status", root);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    setBusy(form, true);
    status.textContent = "Augmenting…";
    const body = { config: config(), copies: Number(form.elements.copies.value) };
    const item = form.elements.item_id.value.trim();
    if (item) body.item = Number(item);
    else body.random = Number(form.elements.random.value);
    if (form.elements.seed.value.trim() !== "") body.seed = Number(form.elements.seed.value);
    try {
      const answer = await api.post(`${pipelinesApi}preview/`, body);
      await show(answer);
      status.textContent = `${answer.items.length} item${answer.items.length === 1 ? "" : "s"} in ${answer.elapsed_ms} ms (seed ${answer.seed}).`;
      announce("Preview ready.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status.textContent = "";
      // Problems in the pipeline itself belong to the builder; say so here too.
      const pipelineProblems = Object.keys(error.errors).some((key) => key.startsWith("config"));
      showErrors(form, pipelineProblems ? new ApiError(400, { detail: `Fix the pipeline first: ${error.detail}` }) : error);
    } finally {
      setBusy(form, false);
    }
  });

  async function show(answer) {
    const classes = classLookup(answer.classes);
    const legend = clear($("#preview-legend", root));
    for (const entry of answer.classes) legend.append(h("li", {}, swatch(entry.color), " ", entry.name));
    clear(results);
    for (const entry of answer.items) {
      const section = h("section", { class: "preview-item", "aria-label": `Item ${entry.item}` });
      section.append(h("h3", { text: entry.name ? `${entry.name} (item ${entry.item})` : `Item ${entry.item}` }));
      if (entry.error) {
        section.append(h("p", { class: "alert alert-error", text: entry.error }));
        results.append(section);
        continue;
      }
      const grid = h("div", { class: entry.kind === "text" ? "preview-grid texts" : "preview-grid" });
      grid.append(await figure(entry.original, "Original", classes));
      for (const output of entry.outputs) {
        grid.append(
          output.error
            ? h("p", { class: "alert alert-error", text: `Copy ${output.copy_index}: ${output.error}` })
            : await figure(output, `Copy ${output.copy_index}`, classes),
        );
      }
      section.append(grid);
      results.append(section);
    }
  }
}

async function figure(view, title, classes) {
  const caption = h("figcaption", { text: `${title}: ${describeRegions(view.regions, classes)}` });
  if (view.text !== undefined) return h("figure", { class: "preview-figure" }, textView(view, classes), caption);
  const canvas = await drawImageView(view, classes);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", caption.textContent);
  return h("figure", { class: "preview-figure", dataset: { copy: title } }, canvas, caption);
}
