// LSTM (Keras 3), gates in the kernels' column blocks in the order i, f, c, o:
//   z = x_t·kernel + h_{t-1}·recurrentKernel + bias
//   i = σ(z_i), f = σ(z_f), c_t = f·c_{t-1} + i·activation(z_c), o = σ(z_o), h_t = o·activation(c_t)
// where σ is the recurrent activation (sigmoid). The states are [h, c]; the output is h.
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../core/tensor.js';
import { getActivation, serializeActivation, type ActivationFn, type ActivationIdentifier } from '../activations.js';
import { Initializer } from '../initializers/initializer.js';
import { ones } from '../ops/creation.js';
import { add, mul } from '../ops/prims/binary.js';
import { concat, split } from '../ops/prims/concat.js';
import { matmul } from '../ops/prims/matmul.js';
import { registerLayer, type Config } from '../engine/registry.js';
import { BaseRNN, type CellWeights, type RecurrentOptions } from './rnn-common.js';

/** Options of LSTM (Keras defaults). */
export interface LSTMOptions<R extends boolean = false> extends RecurrentOptions<R> {
  /** Activation of the gates (default sigmoid). */
  recurrentActivation?: ActivationIdentifier;
  /** Initialize the forget gate's bias to ones (and the rest with biasInitializer); default true. */
  unitForgetBias?: boolean;
}

// Keras' unit_forget_bias: biasInitializer for i, ones for f, biasInitializer for c and o.
class UnitForgetBias extends Initializer {
  constructor(private readonly base: Initializer, private readonly units: number) {
    super();
  }
  apply(_shape: readonly number[], dtype: DType): Tensor {
    const u = this.units;
    return concat([this.base.apply([u], dtype), ones([u], dtype), this.base.apply([2 * u], dtype)], 0);
  }
}

/** Long short-term memory layer (Hochreiter & Schmidhuber, 1997), as Keras 3 `LSTM`. */
export class LSTM<R extends boolean = false> extends BaseRNN<R> {
  readonly recurrentActivation: ActivationFn;
  readonly unitForgetBias: boolean;
  protected readonly gates = 4;
  readonly stateCount = 2;

  constructor(options: LSTMOptions<R>) {
    super(options);
    this.recurrentActivation = getActivation(options.recurrentActivation ?? 'sigmoid', this.label);
    this.unitForgetBias = options.unitForgetBias ?? true;
  }

  protected override biasInit(): Initializer {
    return this.unitForgetBias ? new UnitForgetBias(this.biasInitializer, this.units) : this.biasInitializer;
  }

  protected step(xProj: Tensor, states: readonly Tensor[], hRec: Tensor, w: CellWeights): Tensor[] {
    const [zi, zf, zc, zo] = split(add(xProj, matmul(hRec, w.recurrentKernel)), 4, 1);
    const i = this.recurrentActivation(zi);
    const f = this.recurrentActivation(zf);
    const c = add(mul(f, states[1]), mul(i, this.activation(zc)));
    const o = this.recurrentActivation(zo);
    return [mul(o, this.activation(c)), c];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation, this.label),
      unitForgetBias: this.unitForgetBias,
    };
  }
}

registerLayer(LSTM);
