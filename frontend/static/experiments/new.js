// The form that starts an experiment: kind and model, training and evaluation data, candidates (completed
// augmentation jobs and versions), an optional dose curve, seed and resamples. On success the browser goes to
// the experiment's page; on 400 each message goes next to its field.

import { ApiError, api } from "../frontend/api.js";
import { $, $$, clear, h, showMessage } from "../frontend/dom.js";
import { clearErrors, setBusy, showErrors } from "../frontend/forms.js";

const USABLE_JOBS = new Set(["completed", "completed_with_errors"]);
const TARGET_OF_KIND = { image_classification: "image", text_classification: "text", detection_statistics: "image" };

const form = $("#experiment-form");
if (form) wireForm(form).catch((error) => showMessage(form.querySelector("[data-form-error]"), error.message));

function versionLabel(version) {
  return `${version.dataset_name} v${version.number} ${version.name} — ${version.item_count ?? "?"} items`;
}

async function wireForm(form) {
  const [versions, jobs, pipelines] = await Promise.all([
    api.all(`${form.dataset.projectApi}versions/`),
    api.all(form.dataset.jobsApi),
    api.all(form.dataset.pipelinesApi),
  ]);
  const elements = form.elements;
  const working = versions.find((version) => version.is_working);
  for (const version of versions) {
    elements.training_version.append(h("option", { value: version.id, text: versionLabel(version), selected: version === working }));
    elements.evaluation_version.append(h("option", { value: version.id, text: versionLabel(version) }));
  }

  function fillCandidates() {
    const target = TARGET_OF_KIND[elements.kind.value];
    const jobBox = clear($("#candidate-jobs"));
    const usable = jobs.filter((job) => USABLE_JOBS.has(job.status) && job.target === target);
    for (const job of usable) {
      const text = `Job ${job.id}: ${job.pipeline_name || "(deleted pipeline)"}, v${job.source_version.number} → v${job.output_version?.number ?? "?"}, ${job.copies_per_item} per item`;
      jobBox.append(h("label", { class: "check" }, h("input", { type: "checkbox", name: "candidate_jobs", value: job.id }), text));
    }
    if (!usable.length) jobBox.append(h("p", { class: "muted", text: `No completed ${target} augmentation jobs yet.` }));
    const versionBox = clear($("#candidate-versions"));
    for (const version of versions) {
      versionBox.append(h("label", { class: "check" }, h("input", { type: "checkbox", name: "candidate_versions", value: version.id }), versionLabel(version)));
    }
    const pipelineSelect = clear(elements.dose_pipeline);
    const matching = pipelines.filter((p) => p.target === target);
    if (!matching.length) pipelineSelect.append(h("option", { value: "", text: `No ${target} pipelines yet` }));
    for (const pipeline of matching) pipelineSelect.append(h("option", { value: pipeline.id, text: pipeline.name }));
  }

  function kindChanged() {
    const kind = elements.kind.value;
    const detection = kind === "detection_statistics";
    $("#model-field").hidden = detection;
    $("#evaluation-fields").hidden = detection;
    $("#dose-enabled").closest("fieldset").hidden = detection;
    for (const option of $$("option", elements.model)) option.hidden = option.disabled = !option.dataset.kinds.split(" ").includes(kind);
    if (elements.model.selectedOptions[0]?.disabled) elements.model.value = $$("option", elements.model).find((o) => !o.disabled)?.value ?? "";
    fillCandidates();
  }
  elements.kind.addEventListener("change", kindChanged);
  kindChanged();
  $("#dose-enabled").addEventListener("change", (event) => {
    $("#dose-fields").hidden = !event.target.checked;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    setBusy(form, true);
    const checked = (name) => $$(`input[name=${name}]`, form).filter((box) => box.checked).map((box) => Number(box.value));
    const kind = elements.kind.value;
    const body = {
      kind,
      training_version: elements.training_version.value ? Number(elements.training_version.value) : null,
      training_split: elements.training_split.value,
      candidates: [...checked("candidate_jobs").map((id) => ({ jobs: [id] })), ...checked("candidate_versions").map((id) => ({ version: id }))],
      seed: Number(elements.seed.value || 0),
      resamples: Number(elements.resamples.value || 1000),
      name: elements.name.value.trim(),
    };
    if (kind !== "detection_statistics") {
      body.model = elements.model.value;
      body.evaluation_version = elements.evaluation_version.value ? Number(elements.evaluation_version.value) : null;
      body.evaluation_split = elements.evaluation_split.value;
      if ($("#dose-enabled").checked) {
        body.dose = { pipeline: elements.dose_pipeline.value ? Number(elements.dose_pipeline.value) : null, copies: checked("dose_copies") };
        if (elements.dose_seed.value.trim() !== "") body.dose.seed = Number(elements.dose_seed.value);
      }
    }
    try {
      const experiment = await api.post(form.dataset.experimentsApi, body);
      window.location.assign(`${form.dataset.experimentsPage}${experiment.id}/`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showErrors(form, error);
      setBusy(form, false);
    }
  });
}
