// The MLP train step of issue 3 in Kiln, in one place for the benchmark and the fusion acceptance test:
// 784-512-256-10, relu, softmax + sparse categorical crossentropy, Adam (learning rate 1e-3).
import * as kiln from '../src/index.js';
import type { Tensor } from '../src/index.js';

/** Layer widths of the model. */
export const MLP_UNITS = [784, 512, 256, 10] as const;

/** The model's variables and one eager train step over them (trace it, or jit it, to compile it). */
export interface MlpAdamStep {
  /** Runs forward, backward and the Adam update; returns the mean loss. */
  step(x: Tensor, y: Tensor): Tensor;
  /** The 6 weights (kernel, bias per layer), then the optimizer's variables once it has built them. */
  readonly weights: readonly kiln.Variable[];
  readonly optimizer: kiln.optimizers.Adam;
}

/** Builds the model's weights with `init(shape, seed)` (float32) and an Adam optimizer. */
export function mlpAdamStep(init: (shape: number[], seed: number) => Tensor): MlpAdamStep {
  const o = kiln.ops;
  const weights: kiln.Variable[] = [];
  for (let l = 0; l < 3; l++) {
    weights.push(new kiln.Variable(init([MLP_UNITS[l], MLP_UNITS[l + 1]], 2 * l + 1), `dense_${l}/kernel`));
    weights.push(new kiln.Variable(init([MLP_UNITS[l + 1]], 2 * l + 2), `dense_${l}/bias`));
  }
  const [w1, b1, w2, b2, w3, b3] = weights;
  const optimizer = new kiln.optimizers.Adam({ learningRate: 1e-3 });
  const step = (x: Tensor, y: Tensor): Tensor => {
    const { value, grads } = kiln.valueAndGrad(() => {
      const h1 = o.relu(o.add(o.matmul(x, w1), b1));
      const h2 = o.relu(o.add(o.matmul(h1, w2), b2));
      const probabilities = o.softmax(o.add(o.matmul(h2, w3), b3));
      return o.mean(kiln.losses.sparseCategoricalCrossentropy(y, probabilities));
    }, weights);
    optimizer.applyGradients(grads.map((g, k) => [g, weights[k]] as const));
    return value;
  };
  return { step, weights, optimizer };
}

/**
 * Floating-point operations of the step's GEMMs (2·m·n·k each) at batch `batch`: 3 forward, 3 weight gradients
 * and 2 input gradients (the first layer's input is data, not differentiated). Elementwise work is not counted.
 */
export function mlpGemmFlops(batch: number): number {
  let flops = 0;
  for (let l = 0; l < 3; l++) {
    const mk = MLP_UNITS[l] * MLP_UNITS[l + 1];
    flops += 2 * batch * mk * (l === 0 ? 2 : 3);
  }
  return flops;
}
