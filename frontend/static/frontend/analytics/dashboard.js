// The analytics dashboard: reads every figure from the API with the filters in the form, draws the
// charts (charts.js), the sortable annotator table (table.js), the outliers and the cost.
import { ApiError, request, withQuery } from "../api.js";
import { $, announce, append, clear, h, showMessage } from "../dom.js";
import * as charts from "./charts.js";
import { sortableTable } from "./table.js";

const root = document.getElementById("analytics");
const api = root.dataset.api;
const seesEveryone = root.dataset.seesEveryone === "1";
const form = document.getElementById("analytics-filters");
const errorBox = document.getElementById("analytics-error");

function filters() {
  const values = {};
  for (const [key, value] of new FormData(form)) values[key] = String(value).trim();
  return values;
}

function get(figure) {
  return request("GET", withQuery(`${api}${figure}/`, filters()));
}

function itemLink(itemId, name) {
  return h("a", { href: root.dataset.itemPage.replace(/\/0\/$/, `/${itemId}/`), text: name || `Item ${itemId}` });
}

function show(value, suffix = "") {
  return value === null || value === undefined ? "—" : `${value}${suffix}`;
}

function renderStats(summary) {
  const stats = [
    ["Annotations", summary.n],
    ["Items", summary.items],
    ["Regions", summary.regions],
    ["Active time", show(summary.active_s, " s")],
    ["Idle ratio", show(summary.idle_ratio)],
    ["Items per hour", show(summary.items_per_hour)],
    ["Median s per item", show(summary.time_per_item.median_s)],
    ["p90 s per item", show(summary.time_per_item.p90_s)],
    ["Median s per region", show(summary.time_per_region.median_s)],
  ];
  const box = clear(document.getElementById("stats"));
  for (const [label, value] of stats) append(box, h("dl", { class: "analytics-stat" }, h("dt", { text: label }), h("dd", { text: String(value) })));
  const refresh = summary.refresh.refreshed_at
    ? `Figures from ${new Date(summary.refresh.refreshed_at).toLocaleString()} (refreshed after submissions).`
    : "The figures have not been computed yet.";
  document.getElementById("refresh-state").textContent = refresh;
  const histogram = summary.time_per_item_histogram;
  document.getElementById("histogram-note").textContent =
    `n = ${summary.n}` + (histogram.above ? `; ${histogram.above} slower than the 99th percentile not shown` : "");
  charts.histogram(document.getElementById("chart-histogram"), histogram);
}

function renderAnnotators(body) {
  const rows = body.annotators;
  charts.annotators(document.getElementById("chart-annotators"), rows);
  const columns = [
    { key: "username", label: "Annotator", value: (r) => r.username },
    { key: "n", label: "Annotations", value: (r) => r.n },
    { key: "regions", label: "Regions", value: (r) => r.regions },
    { key: "active", label: "Active s", value: (r) => r.active_s },
    { key: "wall", label: "Wall s", value: (r) => r.wall_s },
    { key: "iph", label: "Items/h", value: (r) => r.items_per_hour },
    { key: "rph", label: "Regions/h", value: (r) => r.regions_per_hour },
    { key: "idle", label: "Idle ratio", value: (r) => r.idle_ratio },
    { key: "median", label: "Median s/item", value: (r) => r.time_per_item.median_s },
    { key: "p90", label: "p90 s/item", value: (r) => r.time_per_item.p90_s },
    { key: "rmedian", label: "Median s/region", value: (r) => r.time_per_region.median_s },
    { key: "rp90", label: "p90 s/region", value: (r) => r.time_per_region.p90_s },
    { key: "accept", label: "Accepted", value: (r) => r.acceptance_rate, render: (r) => r.acceptance_rate === null ? "—" : `${Math.round(r.acceptance_rate * 100)}% of ${r.reviewed}` },
    { key: "agreement", label: "Agreement", value: (r) => r.agreement, render: (r) => r.agreement === null ? "—" : `${r.agreement} (n=${r.agreement_n})` },
    { key: "fast", label: "Too fast", value: (r) => r.fast_submissions },
  ];
  sortableTable(document.getElementById("annotator-table"), columns, rows);
  const select = document.getElementById("f-annotator");
  if (select && select.options.length === 1) {
    for (const row of rows) select.append(h("option", { value: row.annotator, text: row.username }));
  }
}

function renderClasses(body) {
  charts.boxPlots(document.getElementById("chart-classes"), body.box_plots);
  charts.growth(document.getElementById("chart-growth"), body.growth);
  const line = body.growth.line;
  document.getElementById("growth-note").textContent = line
    ? `n = ${body.growth.n}; each region adds ${line.slope_s_per_region} s to an item (base ${line.intercept_s} s, r² ${line.r2}).`
    : `n = ${body.growth.n}; not enough variation to fit a line.`;
  const marginal = body.growth.per_kind ? body.growth.per_kind.seconds_per_region : {};
  const tbody = clear($("#kinds-table tbody"));
  for (const row of body.by_kind) {
    append(tbody, h("tr", {}, ...[row.kind, row.regions, row.timed, show(row.median_s), show(row.p90_s), show(row.median_vs_bbox, "×"), show(marginal[row.kind])].map((v) => h("td", { text: String(v) }))));
  }
}

function renderItems(body) {
  for (const [id, rows, value] of [
    ["slowest-items", body.slowest, (r) => `${r.active_s} s by ${r.annotators}`],
    ["disputed-items", body.most_disagreement, (r) => `agreement ${r.agreement}`],
  ]) {
    const list = clear(document.getElementById(id));
    for (const row of rows) append(list, h("li", {}, itemLink(row.item, row.name), ` — ${value(row)}`));
    if (!rows.length) append(list, h("li", { text: "None yet." }));
  }
}

function renderOutliers(body) {
  const rule = body.rule;
  document.getElementById("outlier-rule").textContent =
    `${body.count} flagged: under ${rule.min_seconds_per_region} s of active time per region, or under ` +
    `${rule.share_of_own_median * 100}% of the annotator's own median (with at least ${rule.own_median_needs} submissions).`;
  const tbody = clear($("#outlier-table tbody"));
  for (const row of body.results) {
    append(
      tbody,
      h("tr", {},
        h("td", {}, itemLink(row.item, row.item_name)),
        h("td", { text: row.username }),
        h("td", { text: new Date(row.submitted_at).toLocaleString() }),
        h("td", { text: show(row.active_s) }),
        h("td", { text: String(row.regions) }),
        h("td", { text: show(row.annotator_median_s) }),
        h("td", { text: row.reason === "below_minimum" ? "below the minimum" : "far below own median" }),
      ),
    );
  }
}

function renderCost(body) {
  const list = clear(document.getElementById("cost-figures"));
  const forecast = body.forecast;
  const pairs = [
    ["Hourly rate", body.hourly_rate ?? "not set (project settings)"],
    ["Spent so far", show(body.total)],
    ["Per annotation (mean)", show(body.per_annotation && body.per_annotation.mean)],
    ["Per item (median)", show(body.per_item && body.per_item.median)],
    ["Per region (mean)", show(body.per_region && body.per_region.mean)],
    ["Annotations still to do", body.remaining_annotations],
    ["Forecast for the rest", forecast && forecast.total !== null ? `${forecast.total} (90%: ${show(forecast.low)} – ${show(forecast.high)}; from n=${forecast.n})` : "—"],
  ];
  for (const [label, value] of pairs) append(list, h("dt", { text: label }), h("dd", { text: String(value) }));
  const tbody = clear($("#cost-table tbody"));
  for (const row of body.by_class) {
    append(tbody, h("tr", {}, ...[row.name, row.regions, show(row.per_region), show(row.total)].map((v) => h("td", { text: String(v) }))));
  }
}

async function load() {
  showMessage(errorBox, "");
  document.getElementById("csv-link").href = withQuery(`${api}records/`, filters());
  const figures = [
    ["summary", renderStats],
    ["annotators", renderAnnotators],
    ["classes", renderClasses],
    ["items", renderItems],
    ["learning-curves", (b) => charts.learningCurves(document.getElementById("chart-learning"), b.curves)],
    ["throughput", (b) => charts.throughput(document.getElementById("chart-throughput"), b)],
    ["outliers", renderOutliers],
  ];
  if (seesEveryone) figures.push(["cost", renderCost]);
  try {
    const bodies = await Promise.all(figures.map(([name]) => get(name)));
    figures.forEach(([, render], i) => render(bodies[i]));
    root.dataset.loaded = "1";
    announce("Figures updated.");
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const fields = Object.entries(error.errors).map(([field, messages]) => `${field}: ${messages.join(" ")}`);
    showMessage(errorBox, [error.detail, ...fields].join(" "));
  }
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});

const refreshButton = document.getElementById("refresh-button");
if (refreshButton) {
  refreshButton.addEventListener("click", async () => {
    refreshButton.disabled = true;
    try {
      await request("POST", `${api}refresh/`);
      announce("Refresh started; reload in a moment for new figures.");
      document.getElementById("refresh-state").textContent = "Refresh started; the figures update when it finishes.";
    } finally {
      refreshButton.disabled = false;
    }
  });
}

// The chart library is a deferred classic script; module scripts run after deferred ones, in order.
load();
