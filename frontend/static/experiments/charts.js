// Chart.js charts of an experiment (the vendored UMD build, window.Chart). Each canvas gets `data-points` (how
// many values it shows) once drawn, so tests and people can tell an empty chart from a drawn one.

const PALETTE = ["#2f64d6", "#c0362c", "#1c7c45", "#94600a", "#7a3fc4", "#0f8a8a", "#b5468b", "#5a6372"];

export function colour(index) {
  return PALETTE[index % PALETTE.length];
}

function draw(canvas, config, points) {
  if (!window.Chart) throw new Error("The chart library did not load.");
  const existing = window.Chart.getChart(canvas);
  if (existing) existing.destroy();
  const chart = new window.Chart(canvas, {
    ...config,
    options: { responsive: true, maintainAspectRatio: true, animation: false, ...config.options },
  });
  canvas.dataset.points = String(points);
  return chart;
}

const asPercent = (value) => Math.round(1000 * value) / 10;

/** One bar per run from the interval's low to high, with the point estimate marked on it. */
export function intervals(canvas, runs, metric, metricLabel) {
  const labels = runs.map((run) => run.label);
  return draw(
    canvas,
    {
      type: "bar",
      data: {
        labels,
        datasets: [
          {
            type: "bar",
            label: "95 % interval",
            data: runs.map((run) => [asPercent(run[metric].low), asPercent(run[metric].high)]),
            backgroundColor: runs.map((run) => (run.role === "baseline" ? "rgba(90,99,114,0.35)" : "rgba(47,100,214,0.35)")),
            borderColor: runs.map((run) => (run.role === "baseline" ? colour(7) : colour(0))),
            borderWidth: 1,
          },
          {
            type: "scatter",
            label: metricLabel,
            data: runs.map((run, i) => ({ x: labels[i], y: asPercent(run[metric].estimate) })),
            pointStyle: "line",
            pointRadius: 14,
            borderWidth: 3,
            borderColor: colour(1),
          },
        ],
      },
      options: { scales: { x: { type: "category" }, y: { title: { display: true, text: `${metricLabel} (%)` } } } },
    },
    runs.length,
  );
}

/** Metric against copies per item: the estimate as a line, the interval as a shaded band. */
export function doseCurve(canvas, points, metric, metricLabel) {
  const xy = (key) => points.map((p) => ({ x: p.copies, y: asPercent(key(p)) }));
  return draw(
    canvas,
    {
      type: "line",
      data: {
        datasets: [
          { label: "95 % interval (low)", data: xy((p) => p[metric].low), borderColor: "rgba(47,100,214,0.3)", pointRadius: 0, fill: false },
          { label: "95 % interval (high)", data: xy((p) => p[metric].high), borderColor: "rgba(47,100,214,0.3)", backgroundColor: "rgba(47,100,214,0.15)", pointRadius: 0, fill: "-1" },
          { label: metricLabel, data: xy((p) => p[metric].estimate), borderColor: colour(0), backgroundColor: colour(0), borderWidth: 3 },
        ],
      },
      options: {
        scales: {
          x: { type: "linear", title: { display: true, text: "augmented copies per item" }, ticks: { stepSize: 1 } },
          y: { title: { display: true, text: `${metricLabel} (%)` } },
        },
      },
    },
    points.length,
  );
}

/** Grouped bars: one dataset per set, one group per category. */
export function groupedBars(canvas, categories, sets, yTitle) {
  return draw(
    canvas,
    {
      type: "bar",
      data: {
        labels: categories,
        datasets: sets.map((set, i) => ({ label: set.label, data: set.values, backgroundColor: colour(i) })),
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } } },
    },
    sets.reduce((sum, set) => sum + set.values.length, 0),
  );
}
