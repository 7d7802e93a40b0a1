// Launch form: pipeline, source version, selection (splits, statuses, classes), copies, balancing, originals
// and seed. On success the browser goes to the new job's page.

import { ApiError, api } from "../frontend/api.js";
import { $, $$, h, showMessage, swatch } from "../frontend/dom.js";
import { clearErrors, setBusy, showErrors } from "../frontend/forms.js";

const form = $("#launch-form");
if (form) wireLaunch(form).catch((error) => showMessage(form.querySelector("[data-form-error]"), error.message));

async function wireLaunch(form) {
  const projectApi = form.dataset.projectApi;
  const [pipelines, versions, classes] = await Promise.all([
    api.all(form.dataset.pipelinesApi),
    api.all(`${projectApi}versions/`),
    api.all(`${projectApi}classes/`),
  ]);
  const wanted = new URLSearchParams(window.location.search).get("pipeline");
  const pipelineSelect = form.elements.pipeline;
  if (!pipelines.length) pipelineSelect.append(h("option", { value: "", text: "No pipelines yet: build one first" }));
  for (const pipeline of pipelines) pipelineSelect.append(h("option", { value: pipeline.id, text: `${pipeline.name} (${pipeline.target})` }));
  if (wanted && pipelines.some((p) => String(p.id) === wanted)) pipelineSelect.value = wanted;
  const versionSelect = form.elements.source_version;
  for (const version of versions) {
    const working = version.is_working && version.name !== "working" ? " (working)" : "";
    const label = `${version.dataset_name} v${version.number} ${version.name}${working} — ${version.item_count ?? "?"} items`;
    versionSelect.append(h("option", { value: version.id, text: label }));
  }
  const classBox = $("#job-classes");
  for (const entry of classes) {
    classBox.append(h("label", { class: "check" }, h("input", { type: "checkbox", name: "classes", value: entry.id }), swatch(entry.color), entry.name));
  }
  if (!classes.length) classBox.append(h("span", { class: "muted", text: "This project has no classes." }));

  const warning = $("#splits-warning");
  const updateWarning = () => {
    warning.hidden = !$$("input[name=splits]", form).some((box) => box.checked && (box.value === "val" || box.value === "test"));
  };
  form.addEventListener("change", updateWarning);
  form.elements.balance_target.addEventListener("focus", () => {
    form.querySelector("input[name=balance][value=count]").checked = true;
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    setBusy(form, true);
    const checked = (name) => $$(`input[name=${name}]`, form).filter((box) => box.checked).map((box) => box.value);
    const balanceMode = form.querySelector("input[name=balance]:checked").value;
    const body = {
      pipeline: pipelineSelect.value ? Number(pipelineSelect.value) : null,
      source_version: versionSelect.value ? Number(versionSelect.value) : null,
      selection: { splits: checked("splits"), statuses: checked("statuses"), classes: checked("classes").map(Number) },
      copies_per_item: Number(form.elements.copies_per_item.value || 0),
      include_originals: form.elements.include_originals.checked,
      name: form.elements.name.value.trim(),
    };
    if (balanceMode === "max") body.balance = { mode: "max" };
    if (balanceMode === "count") body.balance = { mode: "count", target: Number(form.elements.balance_target.value || 0) };
    if (form.elements.seed.value.trim() !== "") body.seed = Number(form.elements.seed.value);
    try {
      const job = await api.post(form.dataset.jobsApi, body);
      window.location.assign(`${form.dataset.jobsPage}${job.id}/`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showErrors(form, error);
      setBusy(form, false);
    }
  });
}
