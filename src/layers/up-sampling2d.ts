// UpSampling2D: repeats the rows and columns of images (Keras `UpSampling2D`, nearest-neighbour interpolation).
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { broadcastTo, reshape } from '../ops/prims/movement.js';
import { InputSpec } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';
import { toTuple } from './base-conv.js';
import type { DataFormat } from './flatten.js';

/** Options of UpSampling2D. */
export interface UpSampling2DOptions extends LayerOptions {
  /** Repeat factors for rows and columns (default 2). */
  size?: number | [number, number];
  /** Where the channels axis is (default 'channelsLast'). */
  dataFormat?: DataFormat;
  /** Only 'nearest' (the default) is supported. */
  interpolation?: 'nearest';
}

/** [batch, H, W, C] → [batch, H·sh, W·sw, C], each pixel repeated sh × sw times. */
export class UpSampling2D extends Layer {
  readonly size: number[];
  readonly dataFormat: DataFormat;
  readonly interpolation: 'nearest';

  constructor(options: UpSampling2DOptions = {}) {
    super(options);
    const { size = 2, dataFormat = 'channelsLast', interpolation = 'nearest' } = options;
    this.size = toTuple(this.label, 'size', size, 2);
    if (dataFormat !== 'channelsLast' && dataFormat !== 'channelsFirst')
      throw new ValueError(`${this.label}: dataFormat must be 'channelsLast' or 'channelsFirst', got ` +
        `${JSON.stringify(dataFormat)}`);
    if (interpolation !== 'nearest')
      throw new ValueError(`${this.label}: interpolation ${JSON.stringify(interpolation)} is not supported ` +
        `(only 'nearest')`);
    this.dataFormat = dataFormat;
    this.interpolation = interpolation;
    this.inputSpec = new InputSpec({ ndim: 4 });
  }

  override call(inputs: Tensor): Tensor {
    const [sh, sw] = this.size;
    // Insert a size-1 axis after each spatial axis and broadcast it (broadcastTo's gradient sums the copies back).
    const last = this.dataFormat === 'channelsLast';
    const [n, a, b, c] = inputs.shape;
    const [h, w] = last ? [a, b] : [b, c];
    const ch = last ? c : a;
    const split = last ? [n, h, 1, w, 1, ch] : [n, ch, h, 1, w, 1];
    const wide = last ? [n, h, sh, w, sw, ch] : [n, ch, h, sh, w, sw];
    const out = last ? [n, h * sh, w * sw, ch] : [n, ch, h * sh, w * sw];
    return reshape(broadcastTo(reshape(inputs, split), wide), out);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), size: this.size, dataFormat: this.dataFormat, interpolation: this.interpolation };
  }
}

registerLayer(UpSampling2D);
