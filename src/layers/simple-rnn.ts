// SimpleRNN (Keras 3): h_t = activation(x_t·kernel + bias + h_{t-1}·recurrentKernel); the output is h_t.
import type { Tensor } from '../core/tensor.js';
import { add } from '../ops/prims/binary.js';
import { matmul } from '../ops/prims/matmul.js';
import { registerLayer } from '../engine/registry.js';
import { BaseRNN, type CellWeights, type RecurrentOptions } from './rnn-common.js';

/** Options of SimpleRNN (Keras defaults: tanh, glorotUniform kernel, orthogonal recurrent kernel, zero bias). */
export type SimpleRNNOptions<R extends boolean = false> = RecurrentOptions<R>;

/** A fully connected recurrent layer whose output is fed back as the next step's state. */
export class SimpleRNN<R extends boolean = false> extends BaseRNN<R> {
  protected readonly gates = 1;
  readonly stateCount = 1;

  constructor(options: SimpleRNNOptions<R>) {
    super(options);
  }

  protected step(xProj: Tensor, _states: readonly Tensor[], hRec: Tensor, w: CellWeights): Tensor[] {
    return [this.activation(add(xProj, matmul(hRec, w.recurrentKernel)))];
  }
}

registerLayer(SimpleRNN);
