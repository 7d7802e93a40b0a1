// A mask region's pixels at image resolution. `data` (one byte per pixel, 1 = in the mask) is the truth
// that is saved; `canvas` is its picture in the class colour, updated for the rectangles that change.
// Painting sets whole pixels (no antialiasing), so what the annotator sees is exactly what is saved.

import * as rle from "./rle.js";

export class MaskBitmap {
  constructor(width, height, data = new Uint8Array(width * height)) {
    this.width = width;
    this.height = height;
    this.data = data;
    this.canvas = null;
    this.colour = null;
    this.stale = null; // {x0, y0, x1, y1} not yet drawn into the canvas
    this.cached = {}; // area and bounds, until the pixels change
  }

  static fromRle(rleValue, width, height) {
    const counts = typeof rleValue.counts === "string" ? rle.fromString(rleValue.counts) : rleValue.counts;
    return new MaskBitmap(width, height, rle.decode(counts, width, height));
  }

  toRle() {
    return { size: [this.height, this.width], counts: rle.toString(rle.encode(this.data, this.width, this.height)) };
  }

  area() {
    if (this.cached.area !== undefined) return this.cached.area;
    let total = 0;
    for (let index = 0; index < this.data.length; index += 1) total += this.data[index];
    this.cached.area = total;
    return total;
  }

  /** [x, y, width, height] of the set pixels, or null when empty. */
  bounds() {
    if (this.cached.bounds !== undefined) return this.cached.bounds;
    let left = this.width;
    let top = this.height;
    let right = -1;
    let bottom = -1;
    const { data, width, height } = this;
    for (let y = 0; y < height; y += 1) {
      const row = y * width;
      for (let x = 0; x < width; x += 1) {
        if (data[row + x]) {
          if (x < left) left = x;
          if (x > right) right = x;
          if (y < top) top = y;
          bottom = y;
        }
      }
    }
    this.cached.bounds = right < 0 ? null : [left, top, right - left + 1, bottom - top + 1];
    return this.cached.bounds;
  }

  at(x, y) {
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return 0;
    return this.data[py * this.width + px];
  }

  /**
   * Set (value 1) or clear (0) every pixel whose centre lies within `radius` of the segment a-b.
   * Returns the touched rectangle {x0, y0, x1, y1} (x1, y1 exclusive) or null.
   */
  paintSegment(ax, ay, bx, by, radius, value) {
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - radius));
    const y0 = Math.max(0, Math.floor(Math.min(ay, by) - radius));
    const x1 = Math.min(this.width, Math.ceil(Math.max(ax, bx) + radius) + 1);
    const y1 = Math.min(this.height, Math.ceil(Math.max(ay, by) + radius) + 1);
    if (x0 >= x1 || y0 >= y1) return null;
    const dx = bx - ax;
    const dy = by - ay;
    const lengthSquared = dx * dx + dy * dy;
    const limit = radius * radius;
    const { data, width } = this;
    for (let y = y0; y < y1; y += 1) {
      const cy = y + 0.5;
      for (let x = x0; x < x1; x += 1) {
        const cx = x + 0.5;
        let t = lengthSquared ? ((cx - ax) * dx + (cy - ay) * dy) / lengthSquared : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = cx - (ax + t * dx);
        const ey = cy - (ay + t * dy);
        if (ex * ex + ey * ey <= limit) data[y * width + x] = value;
      }
    }
    const rect = { x0, y0, x1, y1 };
    this.invalidate(rect);
    return rect;
  }

  /** A copy of the bytes of a rectangle (for undo). */
  read(rect) {
    const w = rect.x1 - rect.x0;
    const out = new Uint8Array(w * (rect.y1 - rect.y0));
    for (let y = rect.y0; y < rect.y1; y += 1) {
      out.set(this.data.subarray(y * this.width + rect.x0, y * this.width + rect.x1), (y - rect.y0) * w);
    }
    return out;
  }

  write(rect, bytes) {
    const w = rect.x1 - rect.x0;
    for (let y = rect.y0; y < rect.y1; y += 1) {
      this.data.set(bytes.subarray((y - rect.y0) * w, (y - rect.y0 + 1) * w), y * this.width + rect.x0);
    }
    this.invalidate(rect);
  }

  invalidate(rect = { x0: 0, y0: 0, x1: this.width, y1: this.height }) {
    this.cached = {};
    const s = this.stale;
    this.stale = s
      ? {
          x0: Math.min(s.x0, rect.x0),
          y0: Math.min(s.y0, rect.y0),
          x1: Math.max(s.x1, rect.x1),
          y1: Math.max(s.y1, rect.y1),
        }
      : { ...rect };
  }

  /** The canvas showing the mask in `colour` ("#rrggbb"), brought up to date. */
  picture(colour) {
    if (!this.canvas) {
      this.canvas = document.createElement("canvas");
      this.canvas.width = this.width;
      this.canvas.height = this.height;
      this.invalidate();
    }
    if (colour !== this.colour) {
      this.colour = colour;
      this.invalidate();
    }
    if (this.stale) {
      const { x0, y0, x1, y1 } = this.stale;
      this.stale = null;
      const w = x1 - x0;
      const h = y1 - y0;
      if (w > 0 && h > 0) {
        const image = new ImageData(w, h);
        const r = parseInt(colour.slice(1, 3), 16);
        const g = parseInt(colour.slice(3, 5), 16);
        const b = parseInt(colour.slice(5, 7), 16);
        const pixels = new Uint32Array(image.data.buffer);
        // ImageData is RGBA in memory; on little-endian machines (all browsers' platforms) that is ABGR as a uint32.
        const on = ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
        for (let y = 0; y < h; y += 1) {
          const source = (y0 + y) * this.width + x0;
          const target = y * w;
          for (let x = 0; x < w; x += 1) pixels[target + x] = this.data[source + x] ? on : 0;
        }
        this.canvas.getContext("2d").putImageData(image, x0, y0);
      }
    }
    return this.canvas;
  }

  clone() {
    return new MaskBitmap(this.width, this.height, this.data.slice());
  }
}
