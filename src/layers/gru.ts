// GRU (Keras 3), gates in the kernels' column blocks in the order z, r, h; σ is the recurrent activation:
//   resetAfter (default; bias [2, 3·units]: input bias, recurrent bias):
//     x = x_t·kernel + b_in, u = h_{t-1}·recurrentKernel + b_rec
//     z = σ(x_z + u_z), r = σ(x_r + u_r), ĥ = activation(x_h + r·u_h)
//   resetAfter false (bias [3·units], added to x):
//     z, r as above (u without bias), ĥ = activation(x_h + (r·h_{t-1})·recurrentKernel_h)
//   h_t = z·h_{t-1} + (1 - z)·ĥ
// Dropout uses one input mask and one recurrent mask for all three gates (Keras' per-gate masks in its
// implementation 1 index rows of a single mask, which looks unintended).
import type { Tensor } from '../core/tensor.js';
import { getActivation, serializeActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import { add, mul, sub } from '../ops/prims/binary.js';
import { split, unstack } from '../ops/prims/concat.js';
import { matmul } from '../ops/prims/matmul.js';
import { slice } from '../ops/prims/slice.js';
import type { OpInput } from '../ops/dispatch.js';
import type { LayerWeight } from '../engine/layer-weight.js';
import { registerLayer, type Config } from '../engine/registry.js';
import { BaseRNN, type CellWeights, type RecurrentOptions } from './rnn-common.js';

/** Options of GRU (Keras defaults). */
export interface GRUOptions<R extends boolean = false> extends RecurrentOptions<R> {
  /** Activation of the update and reset gates (default sigmoid). */
  recurrentActivation?: ActivationIdentifier;
  /** Apply the reset gate after the recurrent product (default true, the cuDNN-compatible variant). */
  resetAfter?: boolean;
}

/** Gated recurrent unit layer (Cho et al., 2014), as Keras 3 `GRU`. */
export class GRU<R extends boolean = false> extends BaseRNN<R> {
  readonly recurrentActivation: ActivationFn;
  readonly resetAfter: boolean;
  protected readonly gates = 3;
  readonly stateCount = 1;

  constructor(options: GRUOptions<R>) {
    super(options);
    this.recurrentActivation = getActivation(options.recurrentActivation ?? 'sigmoid', this.label);
    this.resetAfter = options.resetAfter ?? true;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override inputBias(bias: LayerWeight): OpInput {
    return this.resetAfter ? unstack(bias, 0)[0] : bias;
  }

  protected step(xProj: Tensor, states: readonly Tensor[], hRec: Tensor, w: CellWeights): Tensor[] {
    const u = this.units;
    const h = states[0];
    const [xz, xr, xh] = split(xProj, 3, 1);
    let hh: Tensor, z: Tensor;
    if (this.resetAfter) {
      let inner = matmul(hRec, w.recurrentKernel);
      if (w.bias) inner = add(inner, unstack(w.bias, 0)[1]);
      const [uz, ur, uh] = split(inner, 3, 1);
      z = this.recurrentActivation(add(xz, uz));
      const r = this.recurrentActivation(add(xr, ur));
      hh = this.activation(add(xh, mul(r, uh)));
    } else {
      const [uz, ur] = split(matmul(hRec, slice(w.recurrentKernel, [0, 0], [u, 2 * u])), 2, 1);
      z = this.recurrentActivation(add(xz, uz));
      const r = this.recurrentActivation(add(xr, ur));
      hh = this.activation(add(xh, matmul(mul(r, hRec), slice(w.recurrentKernel, [0, 2 * u], [u, u]))));
    }
    return [add(mul(z, h), mul(sub(1, z), hh))];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation, this.label),
      resetAfter: this.resetAfter,
    };
  }
}

registerLayer(GRU);
