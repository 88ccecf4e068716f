import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { expectClose, uniformValues } from '../util/check.js';
import { refClip, refOptimize, type RefOptions } from './keras-reference.js';

const opt = kiln.optimizers;
const SHAPES = [[2, 3], [5], []];
const sizeOf = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Two SGD steps on three variables with gradients of norm ~3 per element scale, vs the reference. */
function checkClipping(options: kiln.optimizers.SGDOptions, ref: Partial<RefOptions>, seed: number): void {
  const initial = SHAPES.map((s, k) => uniformValues(sizeOf(s), seed + k));
  const grads = [1, 2].map((t) => SHAPES.map((s, k) => uniformValues(sizeOf(s), seed + 10 * t + k, -3, 3)));
  const vars = SHAPES.map((s, k) => new kiln.Variable(kiln.tensor(initial[k], s, 'float64')));
  const sgd = new opt.SGD({ learningRate: 0.5, ...options });
  const want = refOptimize(initial, grads, { kind: 'sgd', lr: 0.5, ...ref });
  grads.forEach((step, t) => {
    sgd.applyGradients(step.map((g, k): [Tensor, kiln.Variable] => [kiln.tensor(g, SHAPES[k], 'float64'), vars[k]]));
    vars.forEach((v, k) => expectClose(v.read(), want[t][k], SHAPES[k], 1e-12, 1e-10));
  });
}

describe('gradient clipping', () => {
  test('clipnorm rescales each gradient to at most that L2 norm', () => {
    checkClipping({ clipnorm: 1 }, { clipnorm: 1 }, 1);
  });

  test('globalClipnorm rescales all gradients together', () => {
    checkClipping({ globalClipnorm: 2 }, { globalClipnorm: 2 }, 2);
  });

  test('clipvalue clips each element', () => {
    checkClipping({ clipvalue: 0.5 }, { clipvalue: 0.5 }, 3);
  });

  test('clipping leaves gradients under the bound unchanged, and a zero gradient stays zero', () => {
    const g = kiln.tensor([0.3, -0.4], [2], 'float64');
    expectClose(opt.clipByNorm(g, 1), [0.3, -0.4], [2], 1e-15);
    expectClose(opt.clipByNorm(kiln.zeros([3], 'float64'), 1), [0, 0, 0], [3], 0);
    const [a, b] = opt.clipByGlobalNorm([g, kiln.tensor([1.2], [1], 'float64')], 13);
    expectClose(a, [0.3, -0.4], [2], 1e-15);
    expectClose(b, [1.2], [1], 1e-15);
    // Norm 5 clipped to 1.
    expectClose(opt.clipByNorm(kiln.tensor([3, 4], [2], 'float64'), 1), refClip([[3, 4]], { kind: 'sgd', lr: 0, clipnorm: 1 })[0], [2], 1e-15);
  });

  test('a non-finite global norm makes every clipped gradient NaN, as in Keras', () => {
    const [a, b] = opt.clipByGlobalNorm([kiln.tensor([Infinity, 1]), kiln.tensor([2])], 1);
    expect([...a.dataSync(), ...b.dataSync()].every(Number.isNaN)).toBe(true);
  });
});
