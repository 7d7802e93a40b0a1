// Polygons: click to add points; close by clicking the first point, pressing Enter or double-clicking;
// Backspace removes the last point, Esc abandons the outline. The selected polygon's vertices can be
// dragged, an edge's midpoint dragged to insert a vertex, and Alt+click deletes a vertex.

import { addRegions } from "../history.js";
import { clamp, newRegionKey, polygonArea } from "../regions.js";
import { deleteVertex, startHandleDrag } from "./select.js";

const CLOSE_RADIUS_PX = 8;

export function createPolygonTool(editor) {
  let points = null; // the outline being drawn, image pixels
  let classId = null;
  let started = 0;
  let pointer = null;
  let drag = null;

  const finish = () => {
    if (!points) return false;
    const outline = points;
    points = null;
    if (outline.length < 3 || polygonArea(outline) <= 1e-6) {
      editor.notify("A polygon needs at least three points that are not on one line.");
      editor.redraw();
      return true;
    }
    const region = {
      key: newRegionKey(),
      kind: "polygon",
      label_class: classId,
      comment: "",
      confidence: null,
      points: outline,
      holes: [],
    };
    editor.commit(addRegions([region], { label: "Draw polygon", tool: "polygon" }), started);
    editor.select([region.key]);
    return true;
  };

  return {
    name: "polygon",
    label: "Polygon",
    cursor: "crosshair",
    crosshair: true,
    get busy() {
      return Boolean(points || drag);
    },
    down(event, point) {
      if (!points) {
        const handle = editor.handleAt(point.sx, point.sy);
        if (handle) {
          if (event.altKey) return deleteVertex(editor, handle);
          drag = startHandleDrag(editor, handle, point);
          return true;
        }
      }
      const { width, height } = editor.item;
      const vertex = [clamp(point.x, 0, width), clamp(point.y, 0, height)];
      if (!points) {
        classId = editor.classFor("polygon");
        if (classId === null) return true;
        points = [vertex];
        started = performance.now();
        editor.redraw();
        return true;
      }
      const first = points[0];
      const near = Math.hypot(editor.stage.toScreenX(first[0]) - point.sx, editor.stage.toScreenY(first[1]) - point.sy);
      if (points.length >= 3 && near <= CLOSE_RADIUS_PX) return finish();
      if (event.detail >= 2) return finish();
      points.push(vertex);
      editor.redraw();
      return true;
    },
    move(event, point) {
      pointer = point;
      if (drag) drag.move(point);
      else if (points) editor.redraw();
    },
    up() {
      if (drag) drag.up();
      drag = null;
    },
    key(name) {
      if (!points) return false;
      if (name === "Enter") return finish();
      if (name === "Escape") {
        points = null;
        editor.redraw();
        return true;
      }
      if (name === "Backspace") {
        points.pop();
        if (!points.length) points = null;
        editor.redraw();
        return true;
      }
      return false;
    },
    cancel() {
      if (drag) drag.cancel();
      drag = null;
      points = null;
      editor.redraw();
    },
    draw(ctx, stage) {
      if (!points) return;
      const colour = editor.colour(classId);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      points.forEach(([x, y], index) => {
        const sx = stage.toScreenX(x);
        const sy = stage.toScreenY(y);
        if (index) ctx.lineTo(sx, sy);
        else ctx.moveTo(sx, sy);
      });
      if (pointer) {
        ctx.setLineDash([5, 4]);
        ctx.lineTo(pointer.sx, pointer.sy);
      }
      ctx.stroke();
      ctx.setLineDash([]);
      points.forEach(([x, y], index) => {
        ctx.beginPath();
        ctx.arc(stage.toScreenX(x), stage.toScreenY(y), index === 0 ? 6 : 4, 0, Math.PI * 2);
        ctx.fillStyle = index === 0 ? colour : editor.theme.surface;
        ctx.fill();
        ctx.stroke();
      });
    },
  };
}
