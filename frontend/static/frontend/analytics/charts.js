// Chart.js charts of the figures. Chart.js is the vendored UMD build (window.Chart); each canvas gets
// `data-points` (how many values it shows) once drawn, so tests and people can tell an empty chart.

const PALETTE = ["#2f64d6", "#c0362c", "#1c7c45", "#94600a", "#7a3fc4", "#0f8a8a", "#b5468b", "#5a6372"];

function chartLibrary() {
  if (!window.Chart) throw new Error("The chart library did not load.");
  return window.Chart;
}

function colour(index) {
  return PALETTE[index % PALETTE.length];
}

function draw(canvas, config, points) {
  const Chart = chartLibrary();
  const existing = Chart.getChart(canvas);
  if (existing) existing.destroy();
  const chart = new Chart(canvas, {
    ...config,
    options: { responsive: true, maintainAspectRatio: true, animation: false, ...config.options },
  });
  canvas.dataset.points = String(points);
  return chart;
}

function axis(title) {
  return { title: { display: true, text: title }, beginAtZero: true };
}

export function histogram(canvas, data) {
  const edges = data.edges_s;
  const labels = data.counts.map((_, i) => `${edges[i]}–${edges[i + 1]}`);
  return draw(
    canvas,
    {
      type: "bar",
      data: { labels, datasets: [{ label: "Annotations", data: data.counts, backgroundColor: colour(0) }] },
      options: { scales: { x: { title: { display: true, text: "seconds per item" } }, y: axis("annotations") } },
    },
    data.counts.length,
  );
}

export function annotators(canvas, rows) {
  return draw(
    canvas,
    {
      type: "bar",
      data: {
        labels: rows.map((r) => r.username),
        datasets: [
          { label: "Median s per item", data: rows.map((r) => r.time_per_item.median_s), backgroundColor: colour(0), yAxisID: "y" },
          { label: "Items per hour", data: rows.map((r) => r.items_per_hour), backgroundColor: colour(2), yAxisID: "y1" },
        ],
      },
      options: { scales: { y: axis("seconds"), y1: { ...axis("items / hour"), position: "right", grid: { drawOnChartArea: false } } } },
    },
    rows.length,
  );
}

// Box plots from five numbers: a floating bar from q1 to q3, and min/median/max as marks on it.
export function boxPlots(canvas, plots) {
  const labels = plots.map((p) => `${p.name} (n=${p.n})`);
  return draw(
    canvas,
    {
      type: "bar",
      data: {
        labels,
        datasets: [
          { type: "bar", label: "Quartiles", data: plots.map((p) => [p.q1, p.q3]), backgroundColor: "rgba(47,100,214,0.35)", borderColor: colour(0), borderWidth: 1 },
          { type: "scatter", label: "Median", data: plots.map((p, i) => ({ x: labels[i], y: p.median })), pointStyle: "line", pointRadius: 14, borderWidth: 3, borderColor: colour(1) },
          { type: "scatter", label: "Min / max", data: plots.flatMap((p, i) => [{ x: labels[i], y: p.min }, { x: labels[i], y: p.max }]), pointStyle: "line", pointRadius: 8, borderColor: colour(7) },
        ],
      },
      options: { scales: { x: { type: "category" }, y: axis("seconds per region") } },
    },
    plots.length,
  );
}

export function learningCurves(canvas, curves) {
  const datasets = curves.map((curve, i) => ({
    label: curve.username,
    data: curve.points.map((p) => ({ x: p.from_n, y: p.median_s })),
    borderColor: colour(i),
    backgroundColor: colour(i),
    tension: 0.2,
  }));
  return draw(
    canvas,
    { type: "line", data: { datasets }, options: { scales: { x: { type: "linear", title: { display: true, text: "n-th item" } }, y: axis("median seconds per item") } } },
    curves.reduce((sum, c) => sum + c.points.length, 0),
  );
}

export function throughput(canvas, data) {
  const days = data.team.map((d) => d.day);
  const datasets = [{ label: "Team", data: data.team.map((d) => d.items_per_hour), borderColor: colour(7), borderWidth: 3 }];
  data.annotators.forEach((person, i) => {
    const byDay = new Map(person.days.map((d) => [d.day, d.items_per_hour]));
    datasets.push({ label: person.username, data: days.map((day) => byDay.get(day) ?? null), borderColor: colour(i), spanGaps: true });
  });
  return draw(canvas, { type: "line", data: { labels: days, datasets }, options: { scales: { y: axis("items per active hour") } } }, days.length);
}

export function growth(canvas, data) {
  const points = data.points.map((p) => ({ x: p.regions, y: p.median_s }));
  const datasets = [{ type: "scatter", label: "Median s per item", data: points, backgroundColor: colour(0) }];
  if (data.line && points.length) {
    const xs = points.map((p) => p.x);
    const ends = [Math.min(...xs), Math.max(...xs)];
    datasets.push({
      type: "line",
      label: `Fit: ${data.line.slope_s_per_region} s per region`,
      data: ends.map((x) => ({ x, y: data.line.intercept_s + data.line.slope_s_per_region * x })),
      borderColor: colour(1),
      pointRadius: 0,
    });
  }
  return draw(
    canvas,
    { type: "scatter", data: { datasets }, options: { scales: { x: { type: "linear", title: { display: true, text: "regions in the item" } }, y: axis("seconds per item") } } },
    points.length,
  );
}
