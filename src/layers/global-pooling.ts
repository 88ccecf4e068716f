// GlobalAveragePooling1D/2D and GlobalMaxPooling1D/2D (Keras global pooling): reduce the spatial axes.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { div, mul } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { max, mean, sum } from '../ops/prims/reduce.js';
import { expandDims } from '../ops/prims/movement.js';
import { InputSpec } from '../engine/input-spec.js';
import { Layer, type CallArgs, type LayerOptions, type Mask } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';
import type { DataFormat } from './flatten.js';

/** Options of the global pooling layers. */
export interface GlobalPoolingOptions extends LayerOptions {
  /** Where the channels axis is (default 'channelsLast'). */
  dataFormat?: DataFormat;
  /** Keep the reduced axes as size 1 (default false). */
  keepdims?: boolean;
}

/** Base of the four global pooling layers: the reduced axes, options and config. */
abstract class GlobalPooling extends Layer {
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;
  /** The spatial axes of the input. */
  protected readonly axes: number[];

  constructor(rank: number, options: GlobalPoolingOptions) {
    super(options);
    const { dataFormat = 'channelsLast', keepdims = false } = options;
    if (dataFormat !== 'channelsLast' && dataFormat !== 'channelsFirst')
      throw new ValueError(`${this.label}: dataFormat must be 'channelsLast' or 'channelsFirst', got ` +
        `${JSON.stringify(dataFormat)}`);
    this.dataFormat = dataFormat;
    this.keepdims = keepdims;
    const first = dataFormat === 'channelsLast' ? 1 : 2;
    this.axes = Array.from({ length: rank }, (_, i) => first + i);
    this.inputSpec = new InputSpec({ ndim: rank + 2 });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dataFormat: this.dataFormat, keepdims: this.keepdims };
  }
}

/**
 * Mean over the steps of [batch, steps, channels]; with a mask [batch, steps], the mean of the unmasked steps
 * (Keras: Σ x·mask / Σ mask, so a fully masked sample gives NaN). The output carries no mask.
 */
export class GlobalAveragePooling1D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(1, options);
    this.supportsMasking = true;
  }

  override call(inputs: Tensor, { mask }: CallArgs): Tensor {
    if (!mask || Array.isArray(mask)) return mean(inputs, this.axes, this.keepdims);
    const m = expandDims(cast(mask, inputs.dtype), this.dataFormat === 'channelsLast' ? 2 : 1);
    return div(sum(mul(inputs, m), this.axes, this.keepdims), sum(m, this.axes, this.keepdims));
  }

  override computeMask(): Mask {
    return null;
  }
}

/** Maximum over the steps of [batch, steps, channels]. */
export class GlobalMaxPooling1D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(1, options);
  }

  override call(inputs: Tensor): Tensor {
    return max(inputs, this.axes, this.keepdims);
  }
}

/** Mean over the spatial axes of [batch, H, W, channels]. */
export class GlobalAveragePooling2D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(2, options);
  }

  override call(inputs: Tensor): Tensor {
    return mean(inputs, this.axes, this.keepdims);
  }
}

/** Maximum over the spatial axes of [batch, H, W, channels]. */
export class GlobalMaxPooling2D extends GlobalPooling {
  constructor(options: GlobalPoolingOptions = {}) {
    super(2, options);
  }

  override call(inputs: Tensor): Tensor {
    return max(inputs, this.axes, this.keepdims);
  }
}

registerLayer(GlobalAveragePooling1D);
registerLayer(GlobalMaxPooling1D);
registerLayer(GlobalAveragePooling2D);
registerLayer(GlobalMaxPooling2D);
