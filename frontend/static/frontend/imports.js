// Exports page, import half (managers): choose a file and a format, run a dry run to see what would be
// created and every problem with its place, map unknown classes, then import — all or nothing.

import { ApiError, api, postWithProgress } from "./api.js";
import { $, $$, announce, clear, h, showMessage } from "./dom.js";
import { clearErrors, setBusy, showErrors } from "./forms.js";

const LIST_SIZE = 10;
const COUNT_NAMES = [
  ["items", "new item", "new items"],
  ["annotations", "annotation", "annotations"],
  ["regions", "region", "regions"],
  ["classes", "new class", "new classes"],
];

const form = $("#import-form");
const importHistory = $("#import-jobs") ? wireHistory($("#import-jobs")) : null;
if (form) wireImport(form);

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function countsText(counts) {
  if (!counts) return "—";
  return COUNT_NAMES.filter(([key]) => counts[key] !== undefined)
    .map(([key, one, many]) => plural(counts[key], one, many))
    .join(", ");
}

function wireImport(form) {
  const importsApi = form.dataset.importsApi;
  const fileInput = form.elements.file;
  const applyButton = $("#import-apply");
  const stateText = $("#import-state");
  const progress = $("#import-progress");
  const report = $("#import-report");
  const formatTitles = Object.fromEntries($$("#import-format option").map((option) => [option.value, option.textContent]));
  const state = {
    // The inputs of the last dry run that found no problem: Import sends exactly these.
    cleared: null,
    // The inputs of the last dry run that found problems.
    refused: null,
    // Unknown class names seen for the current file (they stay listed once mapped) and their choices.
    unknown: [],
    mapping: {},
    classes: null,
    busy: false,
  };

  form.addEventListener("change", (event) => {
    if (event.target === fileInput) {
      state.unknown = [];
      state.mapping = {};
      renderMapping();
      hideReport();
    }
    if (event.target.name === "as_predictions") showModeFields();
    refreshState();
  });
  form.addEventListener("input", refreshState);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(true);
  });
  applyButton.addEventListener("click", () => send(false));
  showModeFields();
  refreshState();

  function predictions() {
    return form.querySelector("input[name=as_predictions]:checked").value === "true";
  }

  function showModeFields() {
    $("#import-model-field").hidden = !predictions();
    $("#import-status-field").hidden = predictions();
  }

  function options() {
    const values = {
      format: form.elements.format.value,
      as_predictions: predictions(),
      create_missing_classes: form.elements.create_missing_classes.checked,
    };
    if (values.as_predictions) values.model_name = form.elements.model_name.value.trim() || "import";
    else values.annotation_status = form.elements.annotation_status.value;
    const mapping = Object.fromEntries(Object.entries(state.mapping).filter(([, target]) => target !== ""));
    if (Object.keys(mapping).length) values.class_mapping = mapping;
    return values;
  }

  function signature() {
    const file = fileInput.files[0];
    if (!file) return null;
    return JSON.stringify([file.name, file.size, file.lastModified, options()]);
  }

  function refreshState() {
    if (state.busy) return;
    const current = signature();
    const ready = current !== null && current === state.cleared;
    applyButton.disabled = !ready;
    if (!fileInput.files[0]) stateText.textContent = "Choose a file, then run a dry run.";
    else if (ready) stateText.textContent = "The dry run found no problem: ready to import.";
    else if (current === state.refused) stateText.textContent = "Fix the problems in the report (or map the unknown classes), then run the dry run again.";
    else if (state.cleared === null && state.refused === null) stateText.textContent = "Run a dry run to see what the import would do.";
    else stateText.textContent = "The file or options changed: run the dry run again.";
  }

  async function send(dryRun) {
    clearErrors(form);
    const file = fileInput.files[0];
    if (!file) {
      showErrors(form, new ApiError(400, { detail: "Choose a file to import.", errors: { file: ["Choose a file to import."] } }));
      return;
    }
    const values = options();
    const sentSignature = signature();
    const data = new FormData();
    data.append("file", file);
    for (const [key, value] of Object.entries(values)) {
      data.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
    }
    data.append("dry_run", dryRun ? "true" : "false");
    state.busy = true;
    setBusy(form, true);
    applyButton.disabled = true;
    stateText.textContent = dryRun ? "Checking the file…" : "Importing…";
    progress.hidden = false;
    progress.value = 0;
    try {
      const { status, body } = await postWithProgress(importsApi, data, (loaded, total) => {
        progress.value = total ? loaded / total : 0;
        if (loaded >= total) stateText.textContent = dryRun ? "Reading the file on the server…" : "Writing…";
      });
      handleAnswer(status, body || {}, dryRun, file.name, sentSignature);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showErrors(form, error);
    } finally {
      state.busy = false;
      progress.hidden = true;
      setBusy(form, false);
      refreshState();
    }
  }

  function handleAnswer(status, body, dryRun, fileName, sentSignature) {
    const problems = Array.isArray(body.problems) ? body.problems : null;
    if (status === 200 && dryRun) {
      rememberUnknown(body.unknown_classes || []);
      const clean = problems !== null && problems.length === 0;
      state.cleared = clean ? sentSignature : null;
      state.refused = clean ? null : sentSignature;
      const message = problems && problems.length
        ? [`The import would stop: ${plural(body.problem_count ?? problems.length, "problem", "problems")} (listed below). Nothing was written.`, "error"]
        : ["No problems found. Nothing was written yet: press Import to apply.", "success"];
      showReport("Dry run report", fileName, body, ...message);
      announce(message[0]);
      return;
    }
    if ((status === 200 || status === 201) && !dryRun) {
      state.cleared = null;
      const message = body.replayed
        ? `This file was already imported with these options (import #${body.job}); nothing was written again.`
        : `Imported: ${countsText(body.created)}${body.updated_annotations ? `; ${plural(body.updated_annotations, "annotation", "annotations")} updated with the imported regions` : ""}.`;
      showReport("Import result", fileName, body, message, "success");
      announce(message);
      state.classes = null; // the import may have created classes
      importHistory?.load();
      return;
    }
    if (status === 400 && problems) {
      state.cleared = null;
      state.refused = sentSignature;
      rememberUnknown(body.unknown_classes || problemClasses(problems));
      showReport("Import refused", fileName, body, body.detail || "The import has problems; nothing was written.", "error");
      return;
    }
    showErrors(form, new ApiError(status, body));
  }

  function problemClasses(problems) {
    const names = [];
    for (const problem of problems) {
      const match = problem.code === "unknown_class" && /Unknown class '([^']*)'|Unknown class "([^"]*)"/.exec(problem.message);
      if (match) names.push(match[1] ?? match[2]);
    }
    return names;
  }

  function rememberUnknown(names) {
    for (const name of names) if (!state.unknown.includes(name)) state.unknown.push(name);
    renderMapping();
  }

  async function renderMapping() {
    const box = $("#class-mapping");
    const rows = $("#class-mapping-rows");
    box.hidden = state.unknown.length === 0;
    if (!state.unknown.length) {
      clear(rows);
      return;
    }
    if (!state.classes) {
      try {
        const answer = await api.get(form.dataset.classesApi);
        state.classes = Array.isArray(answer) ? answer : answer.results;
      } catch (error) {
        showMessage(form.querySelector("[data-form-error]"), `The project's classes could not be loaded: ${error.message}`);
        state.classes = [];
      }
    }
    clear(rows);
    state.unknown.forEach((name, index) => {
      const id = `class-map-${index}`;
      const select = h(
        "select",
        { id, on: { change: () => { state.mapping[name] = select.value === "create" ? "create" : select.value ? Number(select.value) : ""; refreshState(); } } },
        h("option", { value: "", text: "Leave unknown (a problem)" }),
        h("option", { value: "create", text: `Create “${name}”` }),
        ...state.classes.map((entry) => h("option", { value: entry.id, text: `Map to ${entry.name}` })),
      );
      const chosen = state.mapping[name];
      select.value = chosen === undefined || chosen === "" ? "" : String(chosen);
      rows.append(h("div", { class: "mapping-row" }, h("label", { for: id, dir: "auto", text: name }), select));
    });
  }

  function hideReport() {
    state.cleared = null;
    state.refused = null;
    report.hidden = true;
  }

  function showReport(title, fileName, body, message, tone) {
    $("#import-report-title").textContent = title;
    $("#import-report-file").textContent = `${fileName} · ${formatTitles[body.format] || body.format || ""}${body.as_predictions ? " · as predictions" : ""}`;
    const alert = $("#import-report-message");
    alert.className = `alert alert-${tone}`;
    showMessage(alert, message);

    const counts = body.would_create || body.created || {};
    const stats = clear($("#import-report-stats"));
    const entries = [
      ["New items", counts.items],
      ["Matched items", body.matched_items],
      ["Annotations", counts.annotations],
      ["Regions", counts.regions],
      ["New classes", counts.classes],
    ];
    if (body.updated_annotations) entries.push(["Updated annotations", body.updated_annotations]);
    for (const [term, value] of entries) {
      if (value === undefined || value === null) continue;
      stats.append(h("div", {}, h("dt", { text: term }), h("dd", { text: String(value) })));
    }

    const classes = clear($("#import-report-classes"));
    if (body.new_classes && body.new_classes.length) {
      classes.append(h("p", {}, h("strong", { text: "Classes to create: " }), body.new_classes.join(", ")));
    }
    if (body.unknown_classes && body.unknown_classes.length) {
      classes.append(
        h("p", {}, h("strong", { text: "Unknown classes: " }), `${body.unknown_classes.join(", ")} — map them above, or tick “Create every class”.`),
      );
    }

    const problems = body.problems || [];
    fillTable($("#import-problem-rows"), problems);
    $("#import-report-problems").hidden = problems.length === 0;
    const more = (body.problem_count ?? problems.length) - problems.length;
    showMessage($("#import-problems-more"), more > 0 ? `…and ${more} more. Fix these and run the dry run again to see the rest.` : "");
    const warnings = body.warnings || [];
    fillTable($("#import-warning-rows"), warnings);
    $("#import-report-warnings").hidden = warnings.length === 0;
    report.hidden = false;
    report.scrollIntoView({ block: "nearest" });
  }

  function fillTable(tbody, entries) {
    clear(tbody);
    for (const entry of entries) {
      tbody.append(
        h(
          "tr",
          { dataset: { code: entry.code || "" } },
          h("td", { class: "report-name", dir: "auto", text: entry.file || "—" }),
          h("td", { dir: "auto", text: entry.where || "—" }),
          h("td", { class: "report-reason", dir: "auto", text: entry.message }),
        ),
      );
    }
  }
}

function wireHistory(section) {
  const url = section.dataset.importsApi;
  const rows = $("#import-job-rows");
  const formats = Object.fromEntries($$("#import-format option").map((option) => [option.value, option.textContent]));
  load();
  return { load };

  async function load() {
    try {
      const page = await api.get(url, { page_size: LIST_SIZE });
      showMessage($("#import-jobs-error"), "");
      clear(rows);
      for (const job of page.results) {
        const created = job.result && job.result.created;
        rows.append(
          h(
            "tr",
            { dataset: { import: job.id } },
            h("td", { text: `#${job.id}` }),
            h("td", { class: "report-name", dir: "auto", text: job.file_name || "—" }),
            h("td", { text: formats[job.format] || job.format }),
            h("td", { text: job.options && job.options.as_predictions ? `predictions (${job.options.model_name})` : "annotations" }),
            h("td", { text: countsText(created) }),
            h("td", { text: new Date(job.created_at).toLocaleString() }),
          ),
        );
      }
      $("#import-jobs-empty").hidden = page.count > 0;
      $(".table-wrap", section).hidden = page.count === 0;
    } catch (error) {
      showMessage($("#import-jobs-error"), `The imports could not be listed: ${error.message}`);
    }
  }
}
