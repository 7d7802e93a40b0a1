// One job's page: a progress bar polled every second until the job finishes, counts with rate and ETA,
// cancelling, the output version once ready, and the failed items with their reasons.

import { ApiError, api, withQuery } from "../frontend/api.js";
import { $, announce, clear, h, showMessage } from "../frontend/dom.js";
import { FINISHED, JOB_STATUS_LABELS, formatEta, formatRate, progressBar, statusBadge, updateProgressBar } from "./common.js";

const POLL_MS = 1000;
const FAILURES_PAGE_SIZE = 20;

const root = $("#job-page");
if (root) wireJobPage(root);

function wireJobPage(root) {
  const jobApi = root.dataset.jobApi;
  const state = { job: null, bar: null, failuresPage: 1, failedSeen: -1, timer: null };
  const cancel = $("#cancel-job");
  cancel?.addEventListener("click", cancelJob);
  $("#failures-prev").addEventListener("click", () => loadFailures(state.failuresPage - 1));
  $("#failures-next").addEventListener("click", () => loadFailures(state.failuresPage + 1));
  poll();

  async function poll() {
    try {
      const job = await api.get(jobApi);
      showMessage($("#job-error"), "");
      show(job);
      if (job.progress.failed !== state.failedSeen) {
        state.failedSeen = job.progress.failed;
        await loadFailures(state.failuresPage);
      }
      if (!FINISHED.has(job.status)) state.timer = window.setTimeout(poll, POLL_MS);
    } catch (error) {
      showMessage($("#job-error"), error.message);
      state.timer = window.setTimeout(poll, POLL_MS * 3);
    }
  }

  function show(job) {
    const previous = state.job;
    state.job = job;
    const progress = job.progress;
    $("#job-status").replaceChildren(statusBadge(job.status));
    $("#job-summary").textContent =
      `${job.pipeline_name || "(deleted pipeline)"} on version ${job.source_version.number}, ` +
      `${job.copies_per_item} cop${job.copies_per_item === 1 ? "y" : "ies"} per item, seed ${job.seed}` +
      (job.balance ? `, balanced (${job.balance.mode === "max" ? "up to the largest class" : `to ${job.balance.target}`})` : "") +
      (job.include_originals ? ", originals included" : "") +
      `; splits ${job.selection.splits.join(", ")}.`;
    if (!state.bar) {
      state.bar = progressBar(progress);
      state.bar.id = "job-progress-bar";
      $("#job-progress").append(state.bar);
    } else updateProgressBar(state.bar, progress);
    const stats = [
      ["Status", JOB_STATUS_LABELS[job.status] ?? job.status],
      ["Done", `${progress.done} / ${progress.total}`],
      ["Failed", String(progress.failed)],
      ["Queued", String(progress.queued)],
      ["Rate", formatRate(progress.items_per_s)],
      ["ETA", FINISHED.has(job.status) ? "—" : formatEta(progress.eta)],
      ["Elapsed", `${progress.elapsed_s} s`],
    ];
    const list = clear($("#job-stats"));
    for (const [term, value] of stats) list.append(h("div", {}, h("dt", { text: term }), h("dd", { text: value, dataset: { stat: term.toLowerCase() } })));
    const plan = job.plan || {};
    $("#job-plan").textContent = plan.items !== undefined
      ? `${plan.items} source items in ${plan.chunks} chunks; ${plan.outputs} outputs planned` +
        (job.chunks?.retried ? `; ${job.chunks.retried} chunk(s) retried` : "") + "."
      : "Planning…";
    if (cancel) cancel.hidden = FINISHED.has(job.status) || job.cancel_requested;
    showOutput(job);
    if (previous && previous.status !== job.status) announce(`Job ${JOB_STATUS_LABELS[job.status] ?? job.status}.`);
  }

  function showOutput(job) {
    const output = $("#job-output");
    const version = job.output_version;
    clear(output);
    if (!version) return;
    if (version.status === "ready") {
      const url = withQuery(root.dataset.projectPage, { version: version.id });
      output.append(`New version v${version.number} “${version.name}” is ready. `, h("a", { href: url, text: "Browse its items" }));
    } else if (FINISHED.has(job.status)) {
      output.append(`Version v${version.number} was not made (${version.status}).`);
      if (job.error) output.append(` ${job.error}`);
    } else if (job.cancel_requested) {
      output.append("Cancelling: running chunks stop after their current item.");
    } else {
      output.append(`Building version v${version.number}; it becomes visible when the job completes.`);
    }
  }

  async function cancelJob() {
    if (!window.confirm("Cancel this job? Finished outputs are discarded and no new version is made.")) return;
    cancel.disabled = true;
    try {
      show(await api.post(`${jobApi}cancel/`));
      announce("Cancel requested.");
      window.clearTimeout(state.timer);
      poll();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showMessage($("#job-error"), error.detail);
    } finally {
      cancel.disabled = false;
    }
  }

  async function loadFailures(page) {
    const answer = await api.get(`${jobApi}failures/`, { page, page_size: FAILURES_PAGE_SIZE });
    state.failuresPage = page;
    const rows = clear($("#failure-rows"));
    for (const failure of answer.results) {
      const name = failure.source_name || `item ${failure.source_item}`;
      rows.append(
        h(
          "tr",
          {},
          h("td", {}, h("a", { href: `${root.dataset.projectPage}items/${failure.source_item}/`, text: name })),
          h("td", { text: String(failure.copy_index) }),
          h("td", { class: "report-reason", text: failure.error }),
        ),
      );
    }
    $("#failures-empty").hidden = answer.count > 0;
    $("#failures-count").textContent = answer.count ? `${answer.count} failed output${answer.count === 1 ? "" : "s"}` : "";
    const pages = Math.max(1, Math.ceil(answer.count / FAILURES_PAGE_SIZE));
    $("#failure-pages").hidden = pages <= 1;
    $("#failures-page-status").textContent = `Page ${page} of ${pages}`;
    $("#failures-prev").disabled = !answer.previous;
    $("#failures-next").disabled = !answer.next;
  }
}
