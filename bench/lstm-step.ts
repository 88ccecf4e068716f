// The fit benchmark's LSTM train step as a plain function, in one place for the scripts that trace it
// (bench/lstm-profile.ts, bench/plan-speed.ts): Embedding(maskZero) → LSTM → Dense(1, sigmoid), binary
// crossentropy, Adam, built with seed 1 for sequences of `length` steps.
import * as kiln from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { LSTM_SHAPE } from './fit-child.js';

/** An eager train step (trace it to compile it); returns the mean loss. */
export function lstmAdamStep(length: number): (x: Tensor, y: Tensor) => Tensor {
  kiln.ops.setRandomSeed(1);
  const { layers, ops } = kiln;
  const model = new kiln.Sequential([
    new layers.Embedding({ inputDim: LSTM_SHAPE.vocab, outputDim: LSTM_SHAPE.embed, maskZero: true }),
    new layers.LSTM({ units: LSTM_SHAPE.units }), new layers.Dense({ units: 1, activation: 'sigmoid' })]);
  model.apply(ops.zeros([1, length], 'int32'));
  const weights = model.trainableWeights;
  const optimizer = new kiln.optimizers.Adam();
  return (x, y) => {
    const { value, grads } = kiln.valueAndGrad(
      () => ops.mean(kiln.losses.binaryCrossentropy(y, model.apply(x, { training: true }) as Tensor)), weights);
    optimizer.applyGradients(grads.map((g, k) => [g, weights[k]] as const));
    return value;
  };
}
