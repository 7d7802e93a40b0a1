// Bounding boxes: drag to draw one in the active class. A click without a drag selects the region
// under the pointer; the selected box's handles resize it (see select.js).

import { addRegions } from "../history.js";
import { clamp, newRegionKey } from "../regions.js";
import { deleteVertex, startHandleDrag } from "./select.js";

const MIN_DRAG_PX = 3;

export function createBoxTool(editor) {
  let drawing = null;
  let drag = null;
  return {
    name: "bbox",
    label: "Box",
    cursor: "crosshair",
    crosshair: true,
    get busy() {
      return Boolean(drawing || drag);
    },
    down(event, point) {
      const handle = editor.handleAt(point.sx, point.sy);
      if (handle) {
        if (event.altKey) return deleteVertex(editor, handle);
        drag = startHandleDrag(editor, handle, point);
        return true;
      }
      const classId = editor.classFor("bbox");
      if (classId === null) return true;
      drawing = { start: point, end: point, classId, started: performance.now() };
      return true;
    },
    move(event, point) {
      if (drag) drag.move(point);
      else if (drawing) {
        drawing.end = point;
        editor.redraw();
      }
    },
    up(event, point) {
      if (drag) {
        drag.up();
        drag = null;
        return;
      }
      if (!drawing) return;
      const { start, classId, started } = drawing;
      drawing = null;
      const end = point || start;
      if (Math.abs(end.sx - start.sx) < MIN_DRAG_PX && Math.abs(end.sy - start.sy) < MIN_DRAG_PX) {
        // A click: select what is under the pointer instead of drawing.
        const hit = editor.regionAt(start.x, start.y);
        editor.select(hit ? [hit.key] : []);
        editor.redraw();
        return;
      }
      const { width, height } = editor.item;
      const x0 = clamp(Math.min(start.x, end.x), 0, width);
      const x1 = clamp(Math.max(start.x, end.x), 0, width);
      const y0 = clamp(Math.min(start.y, end.y), 0, height);
      const y1 = clamp(Math.max(start.y, end.y), 0, height);
      if (x1 - x0 <= 0 || y1 - y0 <= 0) {
        editor.redraw();
        return;
      }
      const region = {
        key: newRegionKey(),
        kind: "bbox",
        label_class: classId,
        comment: "",
        confidence: null,
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
      };
      editor.commit(addRegions([region], { label: "Draw box", tool: "bbox" }), started);
      editor.select([region.key]);
    },
    cancel() {
      if (drag) drag.cancel();
      drag = null;
      drawing = null;
      editor.redraw();
    },
    draw(ctx, stage) {
      if (!drawing) return;
      const { start, end, classId } = drawing;
      const { width, height } = editor.item;
      const x0 = stage.toScreenX(clamp(Math.min(start.x, end.x), 0, width));
      const x1 = stage.toScreenX(clamp(Math.max(start.x, end.x), 0, width));
      const y0 = stage.toScreenY(clamp(Math.min(start.y, end.y), 0, height));
      const y1 = stage.toScreenY(clamp(Math.max(start.y, end.y), 0, height));
      ctx.strokeStyle = editor.colour(classId);
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 3]);
      ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
      ctx.setLineDash([]);
      const w = Math.round(Math.abs(end.x - start.x));
      const h = Math.round(Math.abs(end.y - start.y));
      editor.drawTag(ctx, `${w} × ${h}`, x1 + 6, y1 + 6, editor.colour(classId));
    },
  };
}
