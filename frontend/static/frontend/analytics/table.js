// A table whose rows can be sorted by any column with the header's button (keyboard included).
import { clear, h } from "../dom.js";

/**
 * columns: [{ key, label, value(row) → number|string|null, render?(row) → Node|string }]
 * Sorting is numeric when values are numbers; empty values sort last either way.
 */
export function sortableTable(table, columns, rows, { initial = columns[0].key, descending = false } = {}) {
  let sortKey = initial;
  let sortDescending = descending;
  const head = table.querySelector("thead tr");
  const body = table.querySelector("tbody");

  function compare(a, b) {
    const column = columns.find((c) => c.key === sortKey);
    const x = column.value(a);
    const y = column.value(b);
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return sortDescending ? -order : order;
  }

  function render() {
    clear(head);
    for (const column of columns) {
      const active = column.key === sortKey;
      const sort = active ? (sortDescending ? "descending" : "ascending") : "none";
      const button = h("button", { type: "button", class: "sort-button", text: column.label + (active ? (sortDescending ? " ▼" : " ▲") : "") });
      button.addEventListener("click", () => {
        sortDescending = active ? !sortDescending : false;
        sortKey = column.key;
        render();
        head.querySelector(`[data-key="${column.key}"] button`).focus();
      });
      head.append(h("th", { scope: "col", "aria-sort": sort, dataset: { key: column.key } }, button));
    }
    clear(body);
    for (const row of [...rows].sort(compare)) {
      body.append(h("tr", {}, ...columns.map((c) => h("td", {}, c.render ? c.render(row) : String(c.value(row) ?? "—")))));
    }
  }
  render();
}
