// The image stage: two stacked canvases (the image; the regions and tool overlays) with zoom and pan.
//
// One transform maps image pixels to the stage: screen = image * scale + offset (CSS pixels relative to
// the stage's top-left). Region outlines are drawn in screen space so lines stay thin at any zoom; the
// image canvas is redrawn only when the view changes. Frames are drawn on requestAnimationFrame and only
// when something asked for one, so an idle editor costs nothing.

export const ZOOM_STEPS = [0.05, 0.1, 0.25, 0.33, 0.5, 0.67, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32];
const MIN_SCALE = ZOOM_STEPS[0];
const MAX_SCALE = ZOOM_STEPS[ZOOM_STEPS.length - 1];
const FRAME_SAMPLES = 600;

export class Stage {
  constructor(container, { onViewChange = () => {} } = {}) {
    this.container = container;
    this.onViewChange = onViewChange;
    this.backCanvas = document.createElement("canvas");
    this.backCanvas.className = "stage-canvas stage-image";
    this.backCanvas.setAttribute("aria-hidden", "true");
    this.canvas = document.createElement("canvas");
    this.canvas.className = "stage-canvas stage-regions";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "application");
    container.append(this.backCanvas, this.canvas);
    this.back = this.backCanvas.getContext("2d");
    this.ctx = this.canvas.getContext("2d");
    this.view = { scale: 1, x: 0, y: 0 };
    this.size = { width: 0, height: 0 };
    this.dpr = window.devicePixelRatio || 1;
    this.image = null;
    this.imageWidth = 0;
    this.imageHeight = 0;
    this.layers = [];
    this.backDirty = true;
    this.frontDirty = true;
    this.frame = null;
    this.fitted = false;
    // Milliseconds of work each frame cost (pointer handling since the last frame plus drawing; the last
    // FRAME_SAMPLES frames), for the benchmark and diagnostics.
    this.frameTimes = [];
    this.inputMs = 0;
    this.onFrame = null;
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
  }

  destroy() {
    this.resizeObserver.disconnect();
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.backCanvas.remove();
    this.canvas.remove();
  }

  setImage(image, width, height) {
    this.image = image;
    this.imageWidth = width;
    this.imageHeight = height;
    this.fitted = false;
    this.fit();
  }

  resize() {
    const rect = this.container.getBoundingClientRect();
    const width = Math.max(1, Math.round(rect.width));
    const height = Math.max(1, Math.round(rect.height));
    this.dpr = window.devicePixelRatio || 1;
    if (width === this.size.width && height === this.size.height) return;
    const previous = this.size;
    this.size = { width, height };
    for (const canvas of [this.backCanvas, this.canvas]) {
      canvas.width = Math.round(width * this.dpr);
      canvas.height = Math.round(height * this.dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    if (!this.fitted) this.fit();
    else {
      // Keep the same image point in the middle of the stage.
      this.view.x += (width - previous.width) / 2;
      this.view.y += (height - previous.height) / 2;
      this.viewChanged();
    }
  }

  fitScale() {
    if (!this.imageWidth || !this.imageHeight) return 1;
    const margin = 16;
    return Math.max(
      MIN_SCALE,
      Math.min((this.size.width - margin) / this.imageWidth, (this.size.height - margin) / this.imageHeight, MAX_SCALE),
    );
  }

  fit() {
    if (!this.imageWidth) return;
    const scale = this.fitScale();
    this.view = {
      scale,
      x: (this.size.width - this.imageWidth * scale) / 2,
      y: (this.size.height - this.imageHeight * scale) / 2,
    };
    this.fitted = true;
    this.viewChanged();
  }

  /** Zoom to `scale`, keeping the image point under (sx, sy) (stage pixels; default the centre) in place. */
  zoomTo(scale, sx = this.size.width / 2, sy = this.size.height / 2) {
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
    const { x, y, scale: current } = this.view;
    const ix = (sx - x) / current;
    const iy = (sy - y) / current;
    this.view = { scale: next, x: sx - ix * next, y: sy - iy * next };
    this.viewChanged();
  }

  zoomStep(direction, sx, sy) {
    const current = this.view.scale;
    const steps =
      direction > 0 ? ZOOM_STEPS.filter((s) => s > current * 1.001) : ZOOM_STEPS.filter((s) => s < current / 1.001);
    const next = direction > 0 ? steps[0] : steps[steps.length - 1];
    if (next !== undefined) this.zoomTo(next, sx, sy);
  }

  panBy(dx, dy) {
    this.view.x += dx;
    this.view.y += dy;
    this.viewChanged();
  }

  viewChanged() {
    this.backDirty = true;
    this.frontDirty = true;
    this.schedule();
    this.onViewChange(this.view);
  }

  /** Stage coordinates (CSS pixels from the stage's top-left) of a pointer event. */
  stagePoint(event) {
    const rect = this.canvas.getBoundingClientRect();
    return { sx: event.clientX - rect.left, sy: event.clientY - rect.top };
  }

  /** Image coordinates (pixels, fractional) of a pointer event. */
  imagePoint(event) {
    const { sx, sy } = this.stagePoint(event);
    return { x: (sx - this.view.x) / this.view.scale, y: (sy - this.view.y) / this.view.scale, sx, sy };
  }

  toScreenX(x) {
    return x * this.view.scale + this.view.x;
  }

  toScreenY(y) {
    return y * this.view.scale + this.view.y;
  }

  /** Ask for a frame; `everything` also redraws the image. */
  invalidate(everything = false) {
    if (everything) this.backDirty = true;
    this.frontDirty = true;
    this.schedule();
  }

  schedule() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.render());
  }

  /** Draw now (the benchmark and the first paint call this directly). */
  render() {
    this.frame = null;
    const started = performance.now();
    const { dpr } = this;
    if (this.backDirty) {
      this.backDirty = false;
      const ctx = this.back;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.backCanvas.width, this.backCanvas.height);
      if (this.image) {
        const { scale, x, y } = this.view;
        // Enlarged pixels stay sharp squares: annotators must see where one pixel ends.
        ctx.imageSmoothingEnabled = scale < 1;
        ctx.setTransform(dpr * scale, 0, 0, dpr * scale, dpr * x, dpr * y);
        ctx.drawImage(this.image, 0, 0, this.imageWidth, this.imageHeight);
      }
    }
    if (this.frontDirty) {
      this.frontDirty = false;
      const ctx = this.ctx;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      for (const layer of this.layers) {
        ctx.save();
        layer(ctx, this);
        ctx.restore();
      }
    }
    const took = performance.now() - started + this.inputMs;
    this.inputMs = 0;
    this.frameTimes.push(took);
    if (this.frameTimes.length > FRAME_SAMPLES) this.frameTimes.shift();
    if (this.onFrame) this.onFrame(took);
  }
}
