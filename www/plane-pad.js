// @ts-check
// "Draw your own" data for the lab in data space: a click adds a point, a drag adds points
// along the stroke (one every few pixels); each point is a Gaussian's centre, the spread its
// width. Points are kept in data units; Undo takes back the last stroke.

import { canvasPoint, mapping } from "./plane-view.js";

/** Pixels between two points of one stroke. */
const SPACING = 8;

export class PlanePad {
  /**
   * @param {HTMLCanvasElement} canvas @param {number} view half the plane's side, in data units
   * @param {number} max the most points a drawing may hold (the core's limit)
   * @param {(points: number[][]) => void} onChange called when a stroke ends, or on undo or clear
   */
  constructor(canvas, view, max, onChange) {
    Object.assign(this, { canvas, view, max, onChange });
    /** @type {number[][][]} strokes, each a list of [x, y] */
    this.strokes = [];
    let stroke = null, last = null;
    const at = (/** @type {PointerEvent} */ e) => canvasPoint(canvas, e);
    const add = (/** @type {number[]} */ [u, v]) => {
      // A captured drag goes on outside the pad: only what is on it is a point.
      if (this.count() >= max || !(u >= 0 && v >= 0 && u <= canvas.width && v <= canvas.height)) return;
      const m = mapping(canvas, view);
      stroke.push([round(m.x(u)), round(m.y(v))]);
      last = [u, v];
      this.draw();
    };
    canvas.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      stroke = [];
      this.strokes.push(stroke);
      add(at(e));
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!stroke) return;
      const p = at(e);
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) >= SPACING) add(p);
    });
    const end = () => {
      if (!stroke) return;
      if (!stroke.length) this.strokes.pop();
      stroke = null;
      this.onChange(this.points());
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    this.draw();
  }

  points() {
    return this.strokes.flat();
  }

  count() {
    return this.strokes.reduce((n, s) => n + s.length, 0);
  }

  /** Replaces the drawing (a link's points, as one stroke). @param {number[][]} points */
  set(points) {
    this.strokes = points.length ? [points.map((p) => [...p])] : [];
    this.draw();
  }

  undo() {
    this.strokes.pop();
    this.draw();
    this.onChange(this.points());
  }

  clear() {
    this.strokes = [];
    this.draw();
    this.onChange(this.points());
  }

  draw() {
    const ctx = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext("2d"));
    const m = mapping(this.canvas, this.view);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, m.size, m.size);
    ctx.strokeStyle = "#ddd";
    ctx.beginPath();
    ctx.moveTo(m.px(0), 0); ctx.lineTo(m.px(0), m.size);
    ctx.moveTo(0, m.py(0)); ctx.lineTo(m.size, m.py(0));
    ctx.stroke();
    ctx.fillStyle = "rgb(15, 110, 50)";
    for (const [x, y] of this.points()) ctx.fillRect(m.px(x) - 2, m.py(y) - 2, 4, 4);
  }
}

/** Three decimals: what a link keeps. @param {number} v */
const round = (v) => Math.round(v * 1000) / 1000;
