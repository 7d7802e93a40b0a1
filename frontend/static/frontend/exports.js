// Exports page, the half that builds files: the form, then either the file straight away (the API streams
// small ones) or a background job with a progress bar and a download link; below, the background jobs.
// No comment above the imports may hold the lowercase keyword that re-exports names followed by a space:
// Django's manifest storage would read it and the import below as one statement and rewrite the import
// twice (tests/test_static_build.py).

import { ApiError, api, csrfToken } from "./api.js";
import { $, $$, announce, clear, formatBytes, h, safeColour, showMessage } from "./dom.js";
import { clearErrors, setBusy, showErrors } from "./forms.js";

const POLL_MS = 1000;
const LIST_POLL_MS = 3000;
const LIST_SIZE = 20;
const FINISHED = new Set(["completed", "completed_with_errors", "failed", "cancelled"]);
const JOB_STATUS_LABELS = {
  queued: "Queued",
  running: "Running",
  completed: "Ready",
  completed_with_errors: "Ready",
  failed: "Failed",
  cancelled: "Cancelled",
};

for (const swatch of $$(".swatch[data-colour]")) swatch.style.backgroundColor = safeColour(swatch.dataset.colour);

const form = $("#export-form");
const jobList = $("#export-jobs");
const jobs = jobList ? wireJobList(jobList) : null;
if (form) wireExport(form);

function formatTitles() {
  const titles = {};
  for (const option of $$("#export-format option")) titles[option.value] = option.textContent;
  return titles;
}

function versionTitles() {
  const titles = {};
  for (const box of $$("input[name=versions]")) titles[box.value] = box.dataset.title;
  return titles;
}

function formatDate(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

/** A bar for the job's items written so far; its numbers go to assistive tech as text. */
function progressBar(progress) {
  const bar = h("div", { class: "progress", role: "progressbar", "aria-label": "Export progress" }, h("div", { class: "progress-done" }));
  updateProgressBar(bar, progress);
  return bar;
}

function updateProgressBar(bar, progress) {
  const total = progress.total || 0;
  const done = Math.min(progress.done, total || progress.done);
  bar.firstElementChild.style.width = `${total ? (100 * done) / total : FINISHED.has(progress.status) ? 100 : 0}%`;
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", String(total));
  bar.setAttribute("aria-valuenow", String(done));
  bar.setAttribute("aria-valuetext", `${progress.percent}% — ${done} of ${total} items written`);
}

function expiryText(job) {
  if (job.expired) return "The file was deleted after its retention time.";
  return job.expires_at ? `Available until ${formatDate(job.expires_at)}.` : "";
}

function fileNameFrom(disposition, fallback) {
  const encoded = /filename\*=(?:UTF-8|utf-8)''([^;]+)/.exec(disposition || "");
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename="?([^";]+)"?/.exec(disposition || "");
  return plain ? plain[1] : fallback;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return new ApiError(response.status, body);
}

function wireExport(form) {
  const exportsApi = form.dataset.exportsApi;
  const status = $("#export-status");
  const formatSelect = form.elements.format;
  const state = { timer: null, blobUrl: null };

  form.addEventListener("change", fitOptions);
  fitOptions();
  form.addEventListener("submit", submit);

  /** Show the options the chosen format has, as the API checks them (plan_export). */
  function fitOptions() {
    const option = formatSelect.selectedOptions[0];
    const needsImages = option.dataset.needsImages === "true";
    const singleFile = option.dataset.singleFile === "true";
    const allAnnotations = option.dataset.allAnnotations === "true";
    $("#export-format-note").textContent = option.dataset.note || "";

    const labelsOnly = form.querySelector("input[name=contents][value=labels]");
    const withImages = form.querySelector("input[name=contents][value=images]");
    if (needsImages) withImages.checked = true;
    labelsOnly.disabled = needsImages;
    $("#contents-note").hidden = !needsImages;

    const every = form.querySelector("input[name=annotations][value=all]");
    if (!allAnnotations && every.checked) form.querySelector("input[name=annotations][value=latest_accepted]").checked = true;
    every.disabled = !allAnnotations;
    $("#annotations-note").hidden = allAnnotations;

    const single = form.elements.single_file;
    $("#single-file-option").hidden = !singleFile;
    single.disabled = !singleFile || withImages.checked;
    if (single.disabled) single.checked = false;
    $("#csv-rows-option").hidden = option.value !== "csv";
  }

  function checked(name) {
    return $$(`input[name=${name}]`, form)
      .filter((box) => box.checked)
      .map((box) => box.value);
  }

  /** The API's options, leaving out what is the default anyway (every split, every class). */
  function body() {
    const data = {
      format: formatSelect.value,
      versions: checked("versions").map(Number),
      statuses: checked("statuses"),
      annotations: form.querySelector("input[name=annotations]:checked").value,
      include_predictions: form.elements.include_predictions.checked,
      include_images: form.querySelector("input[name=contents]:checked").value === "images",
      single_file: form.elements.single_file.checked,
      async: form.elements.run_async.checked,
    };
    if (formatSelect.value === "csv") data.csv_rows = form.elements.csv_rows.value;
    const splits = checked("splits");
    if (splits.length !== $$("input[name=splits]", form).length) data.splits = splits;
    const classes = checked("classes");
    if (classes.length !== $$("input[name=classes]", form).length) data.classes = classes.map(Number);
    return data;
  }

  function missingChoices(data) {
    const errors = {};
    if (!data.versions.length) errors.versions = ["Choose at least one version."];
    if (data.splits && !data.splits.length) errors.splits = ["Choose at least one split."];
    if (!data.statuses.length) errors.statuses = ["Choose at least one annotation status."];
    if (data.classes && !data.classes.length) errors.classes = ["Choose at least one class."];
    return Object.keys(errors).length ? new ApiError(400, { detail: "Some choices are missing.", errors }) : null;
  }

  async function submit(event) {
    event.preventDefault();
    clearErrors(form);
    const data = body();
    const missing = missingChoices(data);
    if (missing) {
      showErrors(form, missing);
      return;
    }
    window.clearTimeout(state.timer);
    setBusy(form, true);
    showStatus("Preparing the export…");
    try {
      let response;
      try {
        response = await fetch(exportsApi, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json, */*;q=0.5",
            "X-CSRFToken": csrfToken(),
          },
          body: JSON.stringify(data),
        });
      } catch {
        throw new ApiError(0, null);
      }
      if (response.status === 202) {
        const job = await response.json();
        announce(`Export ${job.id} is being built in the background.`);
        followJob(job);
        jobs?.load();
      } else if (response.ok) {
        await download(response);
      } else {
        throw await errorFrom(response);
      }
    } catch (error) {
      hideStatus();
      if (!(error instanceof ApiError)) throw error;
      showErrors(form, error);
    } finally {
      setBusy(form, false);
    }
  }

  /** Read the streamed export with a running count, then hand it to the browser as a download. */
  async function download(response) {
    const name = fileNameFrom(response.headers.get("Content-Disposition"), "export.zip");
    const items = Number(response.headers.get("Tandem-Export-Items") || "0");
    const parts = [];
    let received = 0;
    let shown = 0;
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        received += value.length;
        if (received - shown > 256 * 1024) {
          shown = received;
          showStatus(`Receiving ${name}: ${formatBytes(received)}…`);
        }
      }
    } catch {
      throw new ApiError(0, {
        detail:
          "The export stopped before it was complete (the connection broke or the server failed). " +
          "Try again, or tick “Build it in the background”.",
      });
    }
    const blob = new Blob(parts, { type: response.headers.get("Content-Type") || "application/octet-stream" });
    if (state.blobUrl) URL.revokeObjectURL(state.blobUrl);
    state.blobUrl = URL.createObjectURL(blob);
    const link = h("a", { href: state.blobUrl, download: name, text: "Save it again" });
    const start = h("a", { href: state.blobUrl, download: name, hidden: true });
    document.body.append(start);
    start.click();
    start.remove();
    const counted = items ? `, ${items} item${items === 1 ? "" : "s"}` : "";
    showStatus(h("p", { class: "alert alert-success" }, `Downloaded ${name} (${formatBytes(blob.size)}${counted}). `, link));
    announce(`Downloaded ${name}.`);
  }

  /** Poll a background export until it finishes; then offer its file. */
  function followJob(job) {
    const bar = progressBar(job.progress);
    const text = h("p", { class: "export-status-text" });
    const link = h("p", { class: "export-download" });
    showStatus(text, bar, link);
    render(job);

    function render(current) {
      updateProgressBar(bar, current.progress);
      const counts = `${current.progress.done} of ${current.progress.total} items`;
      clear(link);
      if (!FINISHED.has(current.status)) {
        text.textContent = `Export ${current.id} is being built in the background (${counts}). You can leave this page: it stays under Background exports.`;
      } else if (current.download_url) {
        text.textContent = `Export ${current.id} is ready: ${current.file_name} (${formatBytes(current.size || 0)}).`;
        link.append(
          h("a", { class: "button primary", href: current.download_url, download: current.file_name, text: "Download" }),
          " ",
          h("span", { class: "muted", text: expiryText(current) }),
        );
      } else if (current.status === "failed") {
        text.textContent = `Export ${current.id} failed: ${current.error || "the server did not say why"}.`;
      } else {
        text.textContent = `Export ${current.id} is ${JOB_STATUS_LABELS[current.status] ?? current.status}. ${expiryText(current)}`;
      }
    }

    async function poll() {
      try {
        const current = await api.get(job.url);
        render(current);
        if (FINISHED.has(current.status)) {
          announce(current.download_url ? `Export ${current.id} is ready to download.` : `Export ${current.id} ended: ${current.status}.`);
          jobs?.load();
          return;
        }
      } catch (error) {
        text.textContent = `Could not check export ${job.id}: ${error.message} Trying again…`;
      }
      state.timer = window.setTimeout(poll, POLL_MS);
    }
    if (!FINISHED.has(job.status)) state.timer = window.setTimeout(poll, POLL_MS);
  }

  function showStatus(...children) {
    clear(status).append(...children.map((child) => (typeof child === "string" ? h("p", { class: "muted", text: child }) : child)));
    status.hidden = false;
  }

  function hideStatus() {
    clear(status);
    status.hidden = true;
  }
}

function wireJobList(section) {
  const url = section.dataset.exportsApi;
  const rows = $("#export-job-rows");
  const formats = formatTitles();
  const versions = versionTitles();
  let timer = null;
  load();
  return { load };

  async function load() {
    window.clearTimeout(timer);
    try {
      const page = await api.get(url, { page_size: LIST_SIZE });
      showMessage($("#export-jobs-error"), "");
      clear(rows);
      for (const job of page.results) rows.append(row(job));
      $("#export-jobs-empty").hidden = page.count > 0;
      $(".table-wrap", section).hidden = page.count === 0;
      if (page.results.some((job) => !FINISHED.has(job.status))) timer = window.setTimeout(load, LIST_POLL_MS);
    } catch (error) {
      showMessage($("#export-jobs-error"), `The background exports could not be listed: ${error.message}`);
    }
  }

  function row(job) {
    const chosen = (job.options && job.options.versions) || [];
    const versionText = chosen.length ? chosen.map((id) => versions[id] || `version ${id}`).join(", ") : "working version";
    let file;
    if (job.download_url) {
      file = h(
        "td",
        {},
        h("a", { href: job.download_url, download: job.file_name, text: "Download" }),
        h("span", { class: "muted row-note", text: ` until ${formatDate(job.expires_at)}` }),
      );
    } else if (job.expired) {
      file = h("td", { class: "muted", text: "Expired" });
    } else if (job.status === "failed") {
      file = h("td", { class: "report-reason", text: job.error || "Failed" });
    } else if (!FINISHED.has(job.status)) {
      file = h("td", {}, progressBar(job.progress));
    } else {
      file = h("td", { class: "muted", text: "—" });
    }
    return h(
      "tr",
      { dataset: { export: job.id } },
      h("td", { text: `#${job.id}` }),
      h("td", { text: formats[job.format] || job.format }),
      h("td", { text: versionText }),
      h("td", {}, h("span", { class: `badge status-${job.status}`, text: JOB_STATUS_LABELS[job.status] ?? job.status })),
      h("td", { text: job.size ? formatBytes(job.size) : "—" }),
      h("td", { text: formatDate(job.created_at) }),
      file,
    );
  }
}
