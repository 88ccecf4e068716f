// Masking: masks the timesteps whose features all equal maskValue (Keras `Masking`); those steps are zeroed and
// the output carries the mask [batch, steps].
import type { Tensor } from '../core/tensor.js';
import { greater, mul, notEqual } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { max } from '../ops/prims/reduce.js';
import { InputSpec } from '../engine/input-spec.js';
import { Layer, type LayerOptions, type Mask } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of Masking. */
export interface MaskingOptions extends LayerOptions {
  /** Steps whose features all equal this value are masked (default 0). */
  maskValue?: number;
}

/** Zeroes and masks the steps of [batch, steps, ...features] whose last axis is all maskValue. */
export class Masking extends Layer {
  readonly maskValue: number;

  constructor(options: MaskingOptions = {}) {
    super(options);
    this.maskValue = options.maskValue ?? 0;
    this.supportsMasking = true;
    this.inputSpec = new InputSpec({ minNdim: 2 });
  }

  /** True where any feature differs from maskValue (Keras `any(x != maskValue, axis=-1)`). */
  private keep(inputs: Tensor, keepDims: boolean): Tensor {
    return greater(max(cast(notEqual(inputs, this.maskValue), 'int32'), -1, keepDims), 0);
  }

  override call(inputs: Tensor): Tensor {
    return mul(inputs, cast(this.keep(inputs, true), inputs.dtype));
  }

  override computeMask(inputs: Tensor): Mask {
    return this.keep(inputs, false);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), maskValue: this.maskValue };
  }
}

registerLayer(Masking);
