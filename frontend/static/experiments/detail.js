// One experiment: progress (polled until it finishes), then its results: the table of runs with intervals,
// the metric chart, the dose curve, per-class scores, confusion matrices as heat maps (classification), or
// label statistics with their charts (detection); the recorded inputs; cancel and run again for managers.

import { ApiError, api } from "../frontend/api.js";
import { $, announce, clear, h, showMessage } from "../frontend/dom.js";
import { FINISHED, JOB_STATUS_LABELS, progressBar, statusBadge, updateProgressBar } from "../augmentation/common.js";
import { doseCurve, groupedBars, intervals } from "./charts.js";
import {
  KIND_LABELS,
  MODEL_LABELS,
  SPLIT_NAMES,
  VERDICT_TEXT,
  differenceWithInterval,
  percent,
  points,
  scoreWithInterval,
  verdict,
} from "./format.js";

const POLL_MS = 1000;
const METRIC_LABELS = { accuracy: "Accuracy", macro_f1: "Macro F1" };

const root = $("#experiment-page");
if (root) wirePage(root);

function wirePage(root) {
  const experimentApi = root.dataset.experimentApi;
  const state = { experiment: null, bar: null, timer: null, shown: false };
  const cancel = $("#cancel-experiment");
  const rerun = $("#rerun-experiment");
  cancel?.addEventListener("click", cancelExperiment);
  rerun?.addEventListener("click", rerunExperiment);
  poll();

  async function poll() {
    try {
      const experiment = await api.get(experimentApi);
      showMessage($("#experiment-error"), "");
      show(experiment);
      if (!FINISHED.has(experiment.status)) state.timer = window.setTimeout(poll, POLL_MS);
    } catch (error) {
      showMessage($("#experiment-error"), error.message);
      state.timer = window.setTimeout(poll, POLL_MS * 3);
    }
  }

  function show(experiment) {
    const previous = state.experiment;
    state.experiment = experiment;
    $("#experiment-status").replaceChildren(statusBadge(experiment.status));
    $("#experiment-summary").textContent = summary(experiment);
    const progress = { ...experiment.progress, failed: 0 };
    if (!state.bar) {
      state.bar = progressBar(progress);
      $("#experiment-progress").append(state.bar);
    } else updateProgressBar(state.bar, progress);
    const finished = FINISHED.has(experiment.status);
    $("#experiment-stage").textContent = finished
      ? `${JOB_STATUS_LABELS[experiment.status]} after ${experiment.progress.elapsed_s} s (${experiment.progress.done} of ${experiment.progress.total} ${experiment.kind === "detection_statistics" ? "sets" : "models"}).`
      : experiment.cancel_requested
        ? "Cancelling before the next model…"
        : experiment.stage || "Waiting for a worker…";
    showMessage($("#experiment-failure"), experiment.error);
    if (cancel) cancel.hidden = finished || experiment.cancel_requested;
    if (rerun) rerun.hidden = !finished;
    $("#csv-link").hidden = experiment.status !== "completed";
    $("#experiment-inputs").textContent = JSON.stringify(experiment.inputs, null, 2);
    if (experiment.status === "completed" && !state.shown) {
      state.shown = true;
      showResults(experiment.results);
    }
    if (previous && previous.status !== experiment.status) announce(`Experiment ${JOB_STATUS_LABELS[experiment.status] ?? experiment.status}.`);
  }

  async function cancelExperiment() {
    cancel.disabled = true;
    try {
      show(await api.post(`${experimentApi}cancel/`));
      announce("Cancel requested.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showMessage($("#experiment-error"), error.detail);
    } finally {
      cancel.disabled = false;
    }
  }

  async function rerunExperiment() {
    rerun.disabled = true;
    try {
      const again = await api.post(`${experimentApi}rerun/`);
      window.location.assign(`${root.dataset.experimentsPage}${again.id}/`);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showMessage($("#experiment-error"), error.detail);
      rerun.disabled = false;
    }
  }
}

function summary(experiment) {
  const parts = [KIND_LABELS[experiment.kind] ?? experiment.kind];
  if (experiment.model_family) parts.push(MODEL_LABELS[experiment.model_family] ?? experiment.model_family);
  const training = experiment.training_version;
  parts.push(`training: ${training ? `v${training.number}` : "(deleted version)"} ${SPLIT_NAMES[experiment.training_split] ?? experiment.training_split}`);
  if (experiment.evaluation_split) {
    const evaluation = experiment.evaluation_version;
    parts.push(`evaluation: ${evaluation ? `v${evaluation.number}` : "(deleted version)"} ${SPLIT_NAMES[experiment.evaluation_split] ?? experiment.evaluation_split}`);
  }
  parts.push(`seed ${experiment.seed}`);
  if (experiment.kind !== "detection_statistics") parts.push(`${experiment.resamples} bootstrap resamples`);
  return `${parts.join(" · ")}.`;
}

function showResults(results) {
  const warnings = results.warnings || [];
  $("#warnings-card").hidden = !warnings.length;
  const list = clear($("#experiment-warnings"));
  for (const warning of warnings) list.append(h("li", { text: warning }));
  if (results.kind === "detection_statistics") showDetection(results);
  else showClassification(results);
}

// --- classification -------------------------------------------------------------------------------

function showClassification(results) {
  $("#classification-results").hidden = false;
  const runs = results.runs;
  const baseline = runs.find((run) => run.role === "baseline");
  $("#runs-hint").textContent =
    `${results.model.label}, scored on ${results.evaluation.items} evaluation items (${results.evaluation.label}). ` +
    `Intervals: ${Math.round(100 * results.confidence)} % paired bootstrap over the evaluation items (${results.resamples} resamples); ` +
    "Δ is the difference to the baseline in percentage points.";
  const body = clear($("#runs-table tbody"));
  for (const run of runs) {
    const difference = run.difference;
    body.append(
      h(
        "tr",
        { dataset: { run: run.key } },
        h("th", { scope: "row", text: run.label }),
        h("td", { text: `${run.training_items} (${run.training.augmented_items ?? 0})` }),
        h("td", { text: scoreWithInterval(run.accuracy) }),
        differenceCell(difference?.accuracy),
        h("td", { text: scoreWithInterval(run.macro_f1) }),
        differenceCell(difference?.macro_f1),
        h("td", { text: difference ? percent(difference.accuracy.share_better) : "—" }),
        h("td", { text: run.training_seconds.toFixed(2) }),
      ),
    );
  }
  const metricSelect = $("#chart-metric");
  const drawCharts = () => {
    const metric = metricSelect.value;
    intervals($("#chart-runs"), runs.filter((run) => run.role !== "dose"), metric, METRIC_LABELS[metric]);
    if (results.dose) {
      const curve = [baseline, ...runs.filter((run) => run.role === "dose")].map((run) => ({ ...run, copies: run.copies ?? 0 }));
      doseCurve($("#chart-dose"), curve.sort((a, b) => a.copies - b.copies), metric, METRIC_LABELS[metric]);
    }
  };
  metricSelect.addEventListener("change", drawCharts);
  if (results.dose) {
    $("#dose-card").hidden = false;
    $("#dose-hint").textContent =
      `Pipeline “${results.dose.pipeline_name}” (seed ${results.dose.seed}) at ${results.dose.copies.join(", ")} copies per item, made in memory; ` +
      "0 is the baseline. Where the band stops rising, more copies stop helping.";
  }
  drawCharts();

  const classes = results.classes;
  const perClassSelect = $("#per-class-run");
  const confusionSelect = $("#confusion-run");
  for (const run of runs) {
    perClassSelect.append(h("option", { value: run.key, text: run.label }));
    if (run.role !== "baseline") confusionSelect.append(h("option", { value: run.key, text: run.label }));
  }
  const byKey = Object.fromEntries(runs.map((run) => [run.key, run]));
  const showPerClass = () => {
    const run = byKey[perClassSelect.value];
    const tbody = clear($("#per-class-table tbody"));
    run.per_class.forEach((row, i) => {
      const base = baseline.per_class[i];
      tbody.append(
        h(
          "tr",
          {},
          h("th", { scope: "row", text: classes[i].name }),
          h("td", { text: String(row.support) }),
          h("td", { text: percent(row.precision) }),
          h("td", { text: percent(row.recall) }),
          h("td", { text: percent(row.f1) }),
          h("td", { text: run === baseline ? "—" : points(row.f1 - base.f1) }),
        ),
      );
    });
  };
  perClassSelect.addEventListener("change", showPerClass);
  showPerClass();
  const showConfusion = () => {
    const pair = clear($("#confusion-matrices"));
    pair.append(confusionTable(baseline, classes));
    if (confusionSelect.value) pair.append(confusionTable(byKey[confusionSelect.value], classes));
  };
  confusionSelect.closest(".field").hidden = runs.length < 2;
  confusionSelect.addEventListener("change", showConfusion);
  showConfusion();
}

function differenceCell(difference) {
  if (!difference) return h("td", { text: "—" });
  const kind = verdict(difference);
  return h("td", { class: `verdict verdict-${kind}`, title: VERDICT_TEXT[kind], text: differenceWithInterval(difference) });
}

/** A confusion matrix as a table whose cells are shaded by their share of the row (the true class). */
function confusionTable(run, classes) {
  const head = h("tr", {}, h("td", { class: "corner", text: "true ↓ predicted →" }), ...classes.map((c) => h("th", { scope: "col", text: c.name })));
  const rows = run.confusion_matrix.map((counts, i) => {
    const total = counts.reduce((a, b) => a + b, 0);
    return h(
      "tr",
      {},
      h("th", { scope: "row", text: classes[i].name }),
      ...counts.map((count, j) => {
        const share = total ? count / total : 0;
        const cell = h("td", {
          class: `heat${share > 0.55 ? " heat-strong" : ""}${i === j ? " heat-diagonal" : ""}`,
          title: `${classes[i].name} predicted as ${classes[j].name}: ${count} of ${total} (${percent(share)})`,
          text: String(count),
        });
        cell.style.backgroundColor = `rgba(47, 100, 214, ${share.toFixed(3)})`;
        return cell;
      }),
    );
  });
  return h(
    "figure",
    { class: "confusion", dataset: { run: run.key } },
    h("figcaption", { text: `${run.label}: accuracy ${percent(run.accuracy.estimate)}` }),
    h("div", { class: "table-wrap" }, h("table", { class: "table confusion-table" }, h("thead", {}, head), h("tbody", {}, ...rows))),
  );
}

// --- detection --------------------------------------------------------------------------------------

function showDetection(results) {
  $("#detection-results").hidden = false;
  const sets = results.sets;
  const body = clear($("#sets-table tbody"));
  for (const set of sets) {
    const lost = set.lost ? `${set.lost.boxes} in ${set.lost.copies_with_losses} of ${set.lost.copies} copies` : "—";
    body.append(
      h(
        "tr",
        { dataset: { set: set.key } },
        h("th", { scope: "row", text: set.label }),
        h("td", { text: `${set.items} (${set.augmented_items})` }),
        h("td", { text: String(set.boxes) }),
        h("td", { text: set.boxes_per_item.mean.toFixed(2) }),
        h("td", { text: set.size.quantiles ? set.size.quantiles.p50.toFixed(1) : "—" }),
        h("td", { text: set.aspect.quantiles ? set.aspect.quantiles.p50.toFixed(2) : "—" }),
        h("td", { text: lost }),
      ),
    );
  }
  const names = Object.fromEntries(results.classes.map((c) => [c.id, c.name]));
  const classIds = results.classes.map((c) => c.id);
  groupedBars(
    $("#chart-classes"),
    classIds.map((id) => names[id]),
    sets.map((set) => ({ label: set.label, values: classIds.map((id) => set.per_class.find((e) => e.class === id)?.boxes ?? 0) })),
    "boxes",
  );
  const shares = (histogram) => {
    const total = histogram.counts.reduce((a, b) => a + b, 0);
    return histogram.counts.map((count) => (total ? Math.round((1000 * count) / total) / 10 : 0));
  };
  const binLabels = (edges, digits) => edges.map((edge, i) => (i + 1 < edges.length ? `${edge.toFixed(digits)}–${edges[i + 1].toFixed(digits)}` : `≥ ${edge.toFixed(digits)}`));
  groupedBars($("#chart-sizes"), binLabels(sets[0].size.histogram.edges, 0), sets.map((set) => ({ label: set.label, values: shares(set.size.histogram) })), "% of boxes");
  groupedBars($("#chart-aspects"), binLabels(sets[0].aspect.histogram.edges, 2), sets.map((set) => ({ label: set.label, values: shares(set.aspect.histogram) })), "% of boxes");
}
