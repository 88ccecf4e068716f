// MaxPooling1D/2D and AveragePooling1D/2D (Keras pooling layers, channels-last); strides default to the pool size.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import type { Padding } from '../ops/prims/conv.js';
import { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from '../ops/prims/pool.js';
import { InputSpec } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';
import { checkChannelsLast, toTuple } from './base-conv.js';
import type { DataFormat } from './flatten.js';

/** Options of the pooling layers (Keras defaults). */
export interface PoolingOptions extends LayerOptions {
  /** Window size: one integer for every spatial axis or one per axis (default 2). */
  poolSize?: number | number[];
  /** Default: the pool size. */
  strides?: number | number[] | null;
  /** Default 'valid'. */
  padding?: Padding;
  /** Only 'channelsLast' (the default) is supported. */
  dataFormat?: DataFormat;
}

/** Base of the four pooling layers: options, validation and config. */
abstract class Pooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: Padding;
  readonly dataFormat: DataFormat;

  constructor(rank: number, options: PoolingOptions) {
    super(options);
    const { poolSize = 2, strides = null, padding = 'valid' } = options;
    if (padding !== 'valid' && padding !== 'same')
      throw new ValueError(`${this.label}: padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
    this.poolSize = toTuple(this.label, 'poolSize', poolSize, rank);
    this.strides = strides === null ? [...this.poolSize] : toTuple(this.label, 'strides', strides, rank);
    this.padding = padding;
    this.dataFormat = checkChannelsLast(this.label, options.dataFormat ?? 'channelsLast');
    this.inputSpec = new InputSpec({ ndim: rank + 2 });
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(), poolSize: this.poolSize, strides: this.strides, padding: this.padding,
      dataFormat: this.dataFormat,
    };
  }
}

/** Maximum over windows of [batch, steps, channels]. */
export class MaxPooling1D extends Pooling {
  constructor(options: PoolingOptions = {}) {
    super(1, options);
  }

  override call(inputs: Tensor): Tensor {
    return maxPool1d(inputs, this.poolSize[0], this.strides[0], this.padding);
  }
}

/** Mean over windows of [batch, steps, channels] ('same' windows average only the inputs they cover). */
export class AveragePooling1D extends Pooling {
  constructor(options: PoolingOptions = {}) {
    super(1, options);
  }

  override call(inputs: Tensor): Tensor {
    return avgPool1d(inputs, this.poolSize[0], this.strides[0], this.padding);
  }
}

/** Maximum over windows of [batch, H, W, channels]. */
export class MaxPooling2D extends Pooling {
  constructor(options: PoolingOptions = {}) {
    super(2, options);
  }

  override call(inputs: Tensor): Tensor {
    return maxPool2d(inputs, this.poolSize, this.strides, this.padding);
  }
}

/** Mean over windows of [batch, H, W, channels] ('same' windows average only the inputs they cover). */
export class AveragePooling2D extends Pooling {
  constructor(options: PoolingOptions = {}) {
    super(2, options);
  }

  override call(inputs: Tensor): Tensor {
    return avgPool2d(inputs, this.poolSize, this.strides, this.padding);
  }
}

registerLayer(MaxPooling1D);
registerLayer(AveragePooling1D);
registerLayer(MaxPooling2D);
registerLayer(AveragePooling2D);
