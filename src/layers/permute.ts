// Permute: permutes the non-batch axes (Keras `Permute`).
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { transpose } from '../ops/prims/movement.js';
import { InputSpec } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of Permute. */
export interface PermuteOptions extends LayerOptions {
  /** A permutation of 1..n (axis 0, the batch, stays), e.g. [2, 1] swaps the two axes of each sample. */
  dims: number[];
}

/** [batch, d1, ..., dn] → [batch, d_dims[0], ..., d_dims[n-1]]. */
export class Permute extends Layer {
  readonly dims: number[];

  constructor(options: PermuteOptions) {
    super(options);
    const { dims } = options;
    const sorted = Array.isArray(dims) ? [...dims].sort((a, b) => a - b) : [];
    if (!Array.isArray(dims) || dims.length === 0 || sorted.some((d, i) => d !== i + 1))
      throw new ValueError(`${this.label}: dims must be a permutation of 1..n (the batch axis 0 stays), got ` +
        `${JSON.stringify(dims)}`);
    this.dims = [...dims];
    this.inputSpec = new InputSpec({ ndim: dims.length + 1 });
  }

  override call(inputs: Tensor): Tensor {
    return transpose(inputs, [0, ...this.dims]);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), dims: this.dims };
  }
}

registerLayer(Permute);
