// The project's jobs, newest first, with live status and progress while any job is unfinished.

import { api } from "../frontend/api.js";
import { $, clear, h, showMessage } from "../frontend/dom.js";
import { FINISHED, formatDate, progressBar, statusBadge } from "./common.js";

const POLL_MS = 2000;

const root = $("#job-list");
if (root) wireJobList(root);

function wireJobList(root) {
  const state = { page: 1, timer: null };
  $("#jobs-prev").addEventListener("click", () => load(state.page - 1));
  $("#jobs-next").addEventListener("click", () => load(state.page + 1));
  load(1);

  async function load(page) {
    window.clearTimeout(state.timer);
    try {
      const answer = await api.get(root.dataset.jobsApi, { page });
      state.page = page;
      showMessage($("#jobs-error"), "");
      const rows = clear($("#job-rows"));
      for (const job of answer.results) rows.append(row(job));
      $("#jobs-empty").hidden = answer.count > 0;
      $("#job-pages").hidden = !answer.next && !answer.previous;
      $("#jobs-page-status").textContent = `Page ${page}`;
      $("#jobs-prev").disabled = !answer.previous;
      $("#jobs-next").disabled = !answer.next;
      if (answer.results.some((job) => !FINISHED.has(job.status))) state.timer = window.setTimeout(() => load(state.page), POLL_MS);
    } catch (error) {
      showMessage($("#jobs-error"), error.message);
    }
  }

  function row(job) {
    const output = job.output_version;
    const versions = `v${job.source_version.number} → ${output ? `v${output.number}` : "—"}`;
    const progress = job.progress;
    return h(
      "tr",
      { dataset: { job: job.id } },
      h("td", {}, h("a", { href: `${root.dataset.jobsPage}${job.id}/`, text: `Job ${job.id}` })),
      h("td", { text: job.pipeline_name || "(deleted)" }),
      h("td", { text: versions }),
      h("td", {}, statusBadge(job.status)),
      h("td", {}, progressBar(progress, { small: true }), h("span", { class: "muted", text: ` ${progress.done + progress.failed}/${progress.total}` })),
      h("td", { text: formatDate(job.started_at || job.created_at) }),
    );
  }
}
