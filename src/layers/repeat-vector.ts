// RepeatVector: repeats each sample vector n times (Keras `RepeatVector`).
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { broadcastTo, expandDims } from '../ops/prims/movement.js';
import { InputSpec } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of RepeatVector. */
export interface RepeatVectorOptions extends LayerOptions {
  /** Number of repetitions (a non-negative integer). */
  n: number;
}

/** [batch, features] → [batch, n, features]. */
export class RepeatVector extends Layer {
  readonly n: number;

  constructor(options: RepeatVectorOptions) {
    super(options);
    if (!Number.isInteger(options.n) || options.n < 0)
      throw new ValueError(`${this.label}: n must be a non-negative integer, got ${options.n}`);
    this.n = options.n;
    this.inputSpec = new InputSpec({ ndim: 2 });
  }

  override call(inputs: Tensor): Tensor {
    const [batch, features] = inputs.shape;
    return broadcastTo(expandDims(inputs, 1), [batch, this.n, features]);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), n: this.n };
  }
}

registerLayer(RepeatVector);
