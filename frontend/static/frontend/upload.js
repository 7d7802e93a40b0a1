// Upload page: drop zone and file picker; each file is its own request (three at a time) so every
// file gets its own progress bar and its own lines in the report.

import { postWithProgress } from "./api.js";
import { $, announce, clear, formatBytes, h } from "./dom.js";

const MAX_PARALLEL = 3;
const RESULT_LABELS = { accepted: "Accepted", duplicate: "Duplicate", rejected: "Rejected" };
const COUNT_WORDS = { accepted: ["accepted", "accepted"], duplicate: ["duplicate", "duplicates"], rejected: ["rejected", "rejected"] };

function countText(status, count) {
  return `${count} ${COUNT_WORDS[status][count === 1 ? 0 : 1]}`;
}

const root = $("#uploader");
if (root) wireUploader(root);

function wireUploader(root) {
  const uploadUrl = root.dataset.uploadApi;
  const projectPage = root.dataset.projectPage;
  const dropzone = $("#dropzone");
  const input = $("#file-input");
  const optionsForm = $("#upload-options");
  const fileList = $("#file-list");
  const reportBody = $("#report-table tbody");
  const waiting = [];
  const totals = { accepted: 0, duplicate: 0, rejected: 0 };
  let running = 0;
  let queued = 0;
  let finished = 0;

  $("#choose-files").addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    addFiles(Array.from(input.files));
    input.value = ""; // choosing the same file again must fire "change" again
  });

  // Without this a file dropped next to the zone makes the browser leave the page to open it.
  for (const type of ["dragover", "drop"]) {
    document.addEventListener(type, (event) => {
      if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) event.preventDefault();
    });
  }
  let depth = 0;
  dropzone.addEventListener("dragenter", (event) => {
    event.preventDefault();
    depth += 1;
    dropzone.classList.add("is-over");
  });
  dropzone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dropzone.classList.remove("is-over");
  });
  dropzone.addEventListener("dragover", (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
  });
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    dropzone.classList.remove("is-over");
    addFiles(droppedFiles(event.dataTransfer));
  });

  /** Files from a drop; folders are reported instead of sent as empty files. */
  function droppedFiles(transfer) {
    if (!transfer) return [];
    const files = [];
    const items = Array.from(transfer.items || []);
    Array.from(transfer.files).forEach((file, index) => {
      const entry = items[index] && items[index].webkitGetAsEntry ? items[index].webkitGetAsEntry() : null;
      if (entry && entry.isDirectory) {
        addReportRow({ name: file.name, status: "rejected", reason: "Folders cannot be uploaded; ZIP the folder." });
      } else {
        files.push(file);
      }
    });
    return files;
  }

  /** Upload options as form fields; defaults are left out so the server's own defaults apply. */
  function optionFields() {
    const fields = [];
    for (const [name, value] of new FormData(optionsForm).entries()) {
      const text = String(value).trim();
      if (text !== "") fields.push([name, text === "on" ? "true" : text]);
    }
    return fields;
  }

  function addFiles(files) {
    if (!files.length) return;
    $("#progress-section").hidden = false;
    for (const file of files) {
      const entry = { file, ...renderFileRow(file) };
      waiting.push(entry);
      queued += 1;
    }
    updateSummary();
    pump();
  }

  function renderFileRow(file) {
    const progress = h("progress", { max: "100", value: "0", "aria-label": `Upload progress of ${file.name}` });
    const state = h("span", { class: "file-state", text: "Waiting" });
    const row = h(
      "li",
      { class: "file-row is-waiting" },
      h("span", { class: "file-name", dir: "auto", title: file.name, text: file.name }),
      h("span", { class: "file-size muted", text: formatBytes(file.size) }),
      progress,
      state,
    );
    fileList.append(row);
    return { row, progress, state };
  }

  function pump() {
    while (running < MAX_PARALLEL && waiting.length) send(waiting.shift());
  }

  async function send(entry) {
    running += 1;
    setState(entry, "uploading", "Uploading…");
    const form = new FormData();
    form.append("files", entry.file, entry.file.name);
    for (const [name, value] of optionFields()) form.append(name, value);
    try {
      const { status, body } = await postWithProgress(uploadUrl, form, (loaded, total) => {
        entry.progress.value = Math.round((loaded / total) * 100);
        if (loaded === total) entry.state.textContent = "Processing…";
      });
      finish(entry, status, body);
    } catch (error) {
      entry.progress.value = 0;
      setState(entry, "failed", error.detail);
      addReportRow({ name: entry.file.name, status: "rejected", reason: error.detail });
    } finally {
      running -= 1;
      finished += 1;
      updateSummary();
      pump();
    }
  }

  function finish(entry, status, body) {
    const report = body && Array.isArray(body.report) ? body.report : null;
    if (!report) {
      const reason = (body && body.detail) || `The server answered ${status}.`;
      setState(entry, "failed", reason);
      addReportRow({ name: entry.file.name, status: "rejected", reason });
      return;
    }
    entry.progress.value = 100;
    for (const line of report) addReportRow(line);
    const counts = countResults(report);
    const ok = counts.accepted + counts.duplicate > 0;
    setState(entry, ok ? "done" : "failed", describeCounts(counts) || (body.detail ?? "Nothing was accepted."));
  }

  function setState(entry, state, text) {
    entry.row.className = `file-row is-${state}`;
    entry.state.textContent = text;
  }

  function addReportRow(line) {
    $("#report-section").hidden = false;
    const status = RESULT_LABELS[line.status] ? line.status : "rejected";
    totals[status] += 1;
    const itemCell = line.item
      ? h("a", { href: `${projectPage}items/${encodeURIComponent(line.item)}/`, text: "Open item" })
      : "";
    reportBody.append(
      h(
        "tr",
        { class: `report-${status}` },
        h("td", { class: "report-name", dir: "auto", text: line.name ?? "" }),
        h("td", {}, h("span", { class: `badge badge-${status}`, text: RESULT_LABELS[status] })),
        h("td", { class: "report-reason", text: line.reason || "" }),
        h("td", { class: "report-link" }, itemCell),
      ),
    );
    renderTotals();
  }

  function renderTotals() {
    const container = clear($("#report-totals"));
    for (const status of ["accepted", "duplicate", "rejected"]) {
      container.append(
        h("span", { class: `badge badge-${status}`, dataset: { total: status } }, countText(status, totals[status])),
      );
    }
  }

  function updateSummary() {
    const summary = $("#upload-summary");
    if (finished < queued) {
      summary.textContent = `${finished} of ${queued} file${queued === 1 ? "" : "s"} done`;
      root.setAttribute("aria-busy", "true");
    } else {
      summary.textContent = `All ${queued} file${queued === 1 ? "" : "s"} done`;
      root.setAttribute("aria-busy", "false");
      if (queued) announce(`Upload finished: ${describeCounts(totals)}.`);
    }
  }
}

function countResults(report) {
  const counts = { accepted: 0, duplicate: 0, rejected: 0 };
  for (const line of report) if (line.status in counts) counts[line.status] += 1;
  return counts;
}

function describeCounts(counts) {
  return ["accepted", "duplicate", "rejected"]
    .filter((status) => counts[status])
    .map((status) => countText(status, counts[status]))
    .join(", ");
}
