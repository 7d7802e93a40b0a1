// Selecting, moving and reshaping regions. The drags here are shared with the drawing tools: in any
// tool, grabbing a handle of the selected region resizes it (box corners and edges, polygon vertices)
// and a polygon's edge midpoint inserts a vertex.

import { updateRegions } from "../history.js";
import { bounds, clamp, geometry, translate } from "../regions.js";

const CLICK_SLOP_PX = 3;

/** Resize a box by one of its handles, drag a polygon vertex, or insert one at an edge midpoint. */
export function startHandleDrag(editor, handle, point) {
  const region = editor.region(handle.key);
  const before = geometry(region);
  const started = performance.now();
  const { width: imageWidth, height: imageHeight } = editor.item;
  if (region.kind === "polygon" && handle.type === "midpoint") {
    const a = region.points[handle.index];
    const b = region.points[(handle.index + 1) % region.points.length];
    region.points.splice(handle.index + 1, 0, [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
    handle = { ...handle, type: "vertex", index: handle.index + 1 };
  }
  const move = (pt) => {
    const x = clamp(pt.x, 0, imageWidth);
    const y = clamp(pt.y, 0, imageHeight);
    if (region.kind === "bbox") {
      let x0 = before.x;
      let y0 = before.y;
      let x1 = before.x + before.width;
      let y1 = before.y + before.height;
      if (handle.name.includes("w")) x0 = x;
      if (handle.name.includes("e")) x1 = x;
      if (handle.name.includes("n")) y0 = y;
      if (handle.name.includes("s")) y1 = y;
      region.x = Math.min(x0, x1);
      region.y = Math.min(y0, y1);
      region.width = Math.max(Math.abs(x1 - x0), 1e-2);
      region.height = Math.max(Math.abs(y1 - y0), 1e-2);
    } else if (region.kind === "polygon") {
      region.points[handle.index] = [x, y];
    }
    editor.redraw();
  };
  const up = () => {
    const after = geometry(region);
    if (JSON.stringify(after) !== JSON.stringify(before)) {
      editor.record(updateRegions([{ key: region.key, before, after }], { label: "Reshape", tool: "select" }), started);
    }
  };
  move(point);
  return { move, up, cancel: () => Object.assign(region, before) };
}

/** Move the selected regions with the pointer; one undo step when released. */
export function startMoveDrag(editor, keys, point) {
  const regions = keys.map((key) => editor.region(key)).filter((r) => r && (r.kind === "bbox" || r.kind === "polygon"));
  const befores = regions.map(geometry);
  const started = performance.now();
  let moved = false;
  const { width: imageWidth, height: imageHeight } = editor.item;
  const move = (pt) => {
    const dx = pt.x - point.x;
    const dy = pt.y - point.y;
    if (!moved && Math.hypot(pt.sx - point.sx, pt.sy - point.sy) < CLICK_SLOP_PX) return;
    moved = true;
    regions.forEach((region, index) => translate(region, befores[index], dx, dy, imageWidth, imageHeight));
    editor.redraw();
  };
  const up = () => {
    if (!moved) return;
    const edits = regions.map((region, index) => ({
      key: region.key,
      before: befores[index],
      after: geometry(region),
    }));
    editor.record(updateRegions(edits, { label: "Move", tool: "select" }), started);
  };
  return {
    move,
    up,
    cancel: () => regions.forEach((region, index) => Object.assign(region, befores[index])),
    get moved() {
      return moved;
    },
  };
}

/** Move the selection by whole pixels from the keyboard. */
export function nudge(editor, dx, dy) {
  const keys = [...editor.selection].filter((key) => !editor.isLocked(key));
  const regions = keys.map((key) => editor.region(key)).filter((r) => r && (r.kind === "bbox" || r.kind === "polygon"));
  if (!regions.length) return false;
  const edits = regions.map((region) => {
    const before = geometry(region);
    translate(region, before, dx, dy, editor.item.width, editor.item.height);
    return { key: region.key, before, after: geometry(region) };
  });
  editor.record(updateRegions(edits, { label: "Move", tool: "keyboard" }), performance.now());
  return true;
}

/** Alt+click on a polygon vertex removes it (a polygon keeps at least three). */
export function deleteVertex(editor, handle) {
  const region = editor.region(handle.key);
  if (region.kind !== "polygon" || handle.type !== "vertex" || region.points.length <= 3) return false;
  const before = geometry(region);
  const after = geometry(region);
  after.points.splice(handle.index, 1);
  editor.commit(
    updateRegions([{ key: region.key, before, after }], { label: "Delete vertex", tool: "polygon" }),
    performance.now(),
  );
  return true;
}

export function createSelectTool(editor, { name = "select", label = "Select" } = {}) {
  let drag = null;
  let marquee = null;
  return {
    name,
    label,
    cursor: "default",
    get busy() {
      return Boolean(drag || marquee);
    },
    down(event, point) {
      const handle = editor.handleAt(point.sx, point.sy);
      if (handle) {
        if (event.altKey) return deleteVertex(editor, handle);
        drag = startHandleDrag(editor, handle, point);
        return true;
      }
      const hit = editor.regionAt(point.x, point.y);
      const add = event.shiftKey || event.ctrlKey || event.metaKey;
      if (hit) {
        if (add) {
          editor.toggleSelected(hit.key);
          return true;
        }
        if (!editor.selection.has(hit.key)) editor.select([hit.key]);
        const keys = [...editor.selection].filter((key) => !editor.isLocked(key));
        if (keys.length) drag = startMoveDrag(editor, keys, point);
        return true;
      }
      marquee = { start: point, end: point, add };
      if (!add) editor.select([]);
      return true;
    },
    move(event, point) {
      if (drag) drag.move(point);
      else if (marquee) {
        marquee.end = point;
        editor.redraw();
      }
    },
    up() {
      if (drag) drag.up();
      drag = null;
      if (marquee) {
        const { start, end, add } = marquee;
        marquee = null;
        const x0 = Math.min(start.x, end.x);
        const x1 = Math.max(start.x, end.x);
        const y0 = Math.min(start.y, end.y);
        const y1 = Math.max(start.y, end.y);
        if (Math.abs(end.sx - start.sx) >= CLICK_SLOP_PX || Math.abs(end.sy - start.sy) >= CLICK_SLOP_PX) {
          const keys = editor
            .visibleRegions()
            .filter((region) => {
              const b = bounds(region);
              return b && b[0] <= x1 && b[2] >= x0 && b[1] <= y1 && b[3] >= y0;
            })
            .map((r) => r.key);
          editor.select(add ? [...editor.selection, ...keys] : keys);
        }
        editor.redraw();
      }
    },
    cancel() {
      if (drag) drag.cancel();
      drag = null;
      marquee = null;
      editor.redraw();
    },
    draw(ctx, stage) {
      if (!marquee) return;
      const { start, end } = marquee;
      ctx.setLineDash([4, 3]);
      ctx.strokeStyle = editor.theme.accent;
      ctx.fillStyle = editor.theme.accentSoft;
      const x = Math.min(start.sx, end.sx);
      const y = Math.min(start.sy, end.sy);
      ctx.fillRect(x, y, Math.abs(end.sx - start.sx), Math.abs(end.sy - start.sy));
      ctx.strokeRect(x + 0.5, y + 0.5, Math.abs(end.sx - start.sx), Math.abs(end.sy - start.sy));
      void stage;
    },
  };
}
