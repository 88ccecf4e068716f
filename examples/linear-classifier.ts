// Deep Learning with Python, chapter 3 (listings 3.13–3.21): a linear classifier written with GradientTape,
// trained full-batch on two Gaussian blobs. `npm run demo` runs it.
import * as kiln from '../src/index.js';

const { ops } = kiln;

/** Result of training: the loss after every step and the final accuracy. */
export interface LinearClassifierResult {
  losses: number[];
  accuracy: number;
}

/** Samples from N(mean, cov) with cov = [[1, 0.5], [0.5, 1]] via its Cholesky factor. */
function blob(n: number, mean: [number, number], seed: number): kiln.Tensor {
  const z = ops.randomNormal([n, 2], { seed });
  const lT = kiln.tensor([[1, 0.5], [0, Math.sqrt(0.75)]]); // Lᵀ, with L Lᵀ = cov
  return ops.add(ops.matmul(z, lT), kiln.tensor(mean));
}

/** Trains the DLwP linear classifier (2000 points, full batch, learning rate 0.1, MSE). */
export function trainLinearClassifier({ steps = 40, seed = 1337, log = (_: string) => {} } = {}): LinearClassifierResult {
  const perClass = 1000;
  const inputs = ops.concat([blob(perClass, [0, 3], seed), blob(perClass, [3, 0], seed + 1)], 0);
  const targets = ops.concat([kiln.zeros([perClass, 1]), kiln.ones([perClass, 1])], 0);

  const W = new kiln.Variable(ops.randomUniform([2, 1], { seed: seed + 2 }), 'W');
  const b = new kiln.Variable(kiln.zeros([1]), 'b');
  const model = (x: kiln.Tensor) => ops.add(ops.matmul(x, W), b);
  const squareLoss = (t: kiln.Tensor, p: kiln.Tensor) => ops.mean(ops.square(ops.sub(t, p)));
  const learningRate = 0.1;

  const trainingStep = (x: kiln.Tensor, y: kiln.Tensor): number => {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => squareLoss(y, model(x)));
    const [gradW, gradB] = tape.gradient(loss, [W, b]);
    W.assignSub(ops.mul(gradW!, learningRate));
    b.assignSub(ops.mul(gradB!, learningRate));
    return loss.item();
  };

  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    losses.push(kiln.tidy(() => trainingStep(inputs, targets)));
    log(`Loss at step ${step}: ${losses[step].toFixed(4)}`);
  }
  const predictions = model(inputs);
  const correct = ops.sum(ops.cast(ops.equal(ops.cast(ops.greater(predictions, 0.5), 'float32'), targets), 'float32'));
  return { losses, accuracy: correct.item() / (2 * perClass) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const start = performance.now();
  const { losses, accuracy } = trainLinearClassifier({ log: console.log });
  console.log(`final loss ${losses[losses.length - 1].toFixed(4)}, accuracy ${(accuracy * 100).toFixed(1)}% ` +
    `(${(performance.now() - start).toFixed(0)} ms)`);
}
