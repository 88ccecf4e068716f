// ZeroPadding2D: pads the rows and columns of images with zeros (Keras `ZeroPadding2D`).
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { pad } from '../ops/prims/pad.js';
import { InputSpec } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';
import type { DataFormat } from './flatten.js';

/** Options of ZeroPadding2D. */
export interface ZeroPadding2DOptions extends LayerOptions {
  /** n (all sides), [rows, cols] (symmetric), or [[top, bottom], [left, right]]; default 1. */
  padding?: number | [number, number] | [[number, number], [number, number]];
  /** Where the channels axis is (default 'channelsLast'). */
  dataFormat?: DataFormat;
}

/** [batch, H, W, C] → [batch, top + H + bottom, left + W + right, C]. */
export class ZeroPadding2D extends Layer {
  /** [[top, bottom], [left, right]]. */
  readonly padding: [[number, number], [number, number]];
  readonly dataFormat: DataFormat;

  constructor(options: ZeroPadding2DOptions = {}) {
    super(options);
    const { padding = 1, dataFormat = 'channelsLast' } = options;
    const bad = (): ValueError => new ValueError(`${this.label}: padding must be a non-negative integer, a pair of ` +
      `them, or a pair of pairs, got ${JSON.stringify(padding)}`);
    const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
    if (typeof padding === 'number') {
      if (!ok(padding)) throw bad();
      this.padding = [[padding, padding], [padding, padding]];
    } else if (Array.isArray(padding) && padding.length === 2 && padding.every(ok)) {
      const [h, w] = padding as [number, number];
      this.padding = [[h, h], [w, w]];
    } else if (Array.isArray(padding) && padding.length === 2 &&
               padding.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) {
      const [[t, b], [l, r]] = padding as [[number, number], [number, number]];
      this.padding = [[t, b], [l, r]];
    } else {
      throw bad();
    }
    if (dataFormat !== 'channelsLast' && dataFormat !== 'channelsFirst')
      throw new ValueError(`${this.label}: dataFormat must be 'channelsLast' or 'channelsFirst', got ` +
        `${JSON.stringify(dataFormat)}`);
    this.dataFormat = dataFormat;
    this.inputSpec = new InputSpec({ ndim: 4 });
  }

  override call(inputs: Tensor): Tensor {
    const [rows, cols] = this.padding;
    const pads = this.dataFormat === 'channelsLast' ? [[0, 0], rows, cols, [0, 0]] : [[0, 0], [0, 0], rows, cols];
    return pad(inputs, pads);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), padding: this.padding, dataFormat: this.dataFormat };
  }
}

registerLayer(ZeroPadding2D);
