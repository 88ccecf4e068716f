import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { expectClose, uniformValues } from '../util/check.js';
import * as ref from './reference.js';

const { losses } = kiln;

describe('Loss.apply sample weights and masks', () => {
  const B = 4, T = 3, C = 2;
  const t = uniformValues(B * T * C, 1), p = uniformValues(B * T * C, 2);
  const yTrue = kiln.tensor(t, [B, T, C], 'float64'), yPred = kiln.tensor(p, [B, T, C], 'float64');
  const per = ref.perSample(ref.mse, t, p, C); // [B, T] flattened

  test('a scalar sample weight scales every value', () => {
    const got = new losses.MeanSquaredError().apply(yTrue, yPred, 3);
    expectClose(got, [3 * per.reduce((a, b) => a + b, 0) / (B * T)], [], 1e-12, 1e-10);
  });

  test('per-timestep weights of shape [B, T] weight each value of a sequence', () => {
    const w = uniformValues(B * T, 3, 0, 2);
    const got = new losses.MeanSquaredError({ reduction: 'sum' }).apply(yTrue, yPred, kiln.tensor(w, [B, T], 'float64'));
    expectClose(got, [per.reduce((a, v, i) => a + v * w[i], 0)], [], 1e-12, 1e-10);
  });

  test('weights of shape [B, 1] are aligned with per-sample values of shape [B], as in Keras', () => {
    const t2 = uniformValues(B * C, 4), p2 = uniformValues(B * C, 5), w = [1, 2, 3, 4];
    const per2 = ref.perSample(ref.mse, t2, p2, C);
    const got = new losses.MeanSquaredError({ reduction: 'none' })
      .apply(kiln.tensor(t2, [B, C], 'float64'), kiln.tensor(p2, [B, C], 'float64'), kiln.tensor(w, [B, 1], 'float64'));
    expectClose(got, per2.map((v, i) => v * w[i]), [B, 1], 1e-12, 1e-10);
  });

  test('weights that do not broadcast against the values throw a ShapeError naming the loss', () => {
    const w = kiln.tensor([1, 2, 3, 4], [B], 'float64');
    const loss = new losses.MeanSquaredError();
    expect(() => loss.apply(yTrue, yPred, w)).toThrow(kiln.ShapeError);
    expect(() => loss.apply(yTrue, yPred, w)).toThrow(/loss "mean_squared_error": sampleWeight.*\[4, 3\].*\[4\]/);
  });

  test('a mask on yPred weighs masked entries 0 and leaves them out of the mean', () => {
    const maskValues = [true, true, false, true, false, false, true, true, true, false, true, true];
    const masked = kiln.ops.mul(yPred, 1);
    kiln.setMask(masked, kiln.tensor(maskValues, [B, T], 'bool'));
    const valid = maskValues.filter(Boolean).length;
    const expected = per.reduce((a, v, i) => a + (maskValues[i] ? v : 0), 0);
    expectClose(new losses.MeanSquaredError().apply(yTrue, masked), [expected / valid], [], 1e-12, 1e-10);
    expectClose(new losses.MeanSquaredError({ reduction: 'sum' }).apply(yTrue, masked), [expected], [], 1e-12, 1e-10);
    const w = uniformValues(B * T, 6, 0, 2);
    const weighted = per.reduce((a, v, i) => a + (maskValues[i] ? v * w[i] : 0), 0);
    expectClose(new losses.MeanSquaredError().apply(yTrue, masked, kiln.tensor(w, [B, T], 'float64')),
      [weighted / valid], [], 1e-12, 1e-10);
  });

  test('empty per-sample values of shape [0] are returned as they are, and other empty values reduce to 0 (Keras)', () => {
    const e = kiln.zeros([0, 3], 'float64');
    expect(new losses.MeanSquaredError().apply(e, e).shape).toEqual([0]);
    const seq = kiln.zeros([0, 2, 3], 'float64');
    expectClose(new losses.MeanSquaredError().apply(seq, seq), [0], [], 0, 0);
    expectClose(new losses.MeanSquaredError({ reduction: 'sum' }).apply(seq, seq), [0], [], 0, 0);
  });

  test('computes in yPred\'s float dtype, and in float32 for integer predictions', () => {
    const loss = new losses.MeanAbsoluteError();
    expect(loss.apply(kiln.tensor([1, 2]), kiln.tensor([1, 3])).dtype).toBe('float32');
    expect(loss.apply(kiln.tensor([1, 2], [2], 'int32'), kiln.tensor([1, 4], [2], 'int32')).item()).toBeCloseTo(1, 6);
    expect(new losses.MeanAbsoluteError({ dtype: 'float64' }).apply(kiln.tensor([1, 2]), kiln.tensor([1, 3])).dtype)
      .toBe('float64');
  });
});

describe('rank alignment and edge cases', () => {
  test('targets of shape [B, 1] against predictions of shape [B] are aligned, as in Keras', () => {
    const t = [0.5, -1, 2], p = [1, 1, 1];
    const got = new losses.MeanSquaredError({ reduction: 'none' })
      .apply(kiln.tensor(t, [3, 1], 'float64'), kiln.tensor(p, [3], 'float64'));
    expectClose(got, t.map((x, i) => (x - p[i]) ** 2), [3], 1e-12, 1e-12);
  });

  test('cosine similarity of a zero vector is 0 with a finite gradient', () => {
    const loss = new losses.CosineSimilarity({ reduction: 'none' });
    const yTrue = kiln.tensor([[0, 0], [1, 2]], [2, 2], 'float64');
    const yPred = kiln.tensor([[0.3, -0.4], [2, 4]], [2, 2], 'float64');
    expectClose(loss.apply(yTrue, yPred), [0, -1], [2], 1e-12, 1e-9);
    const tape = new kiln.GradientTape();
    tape.watch(yPred);
    const g = tape.gradient(tape.record(() => kiln.ops.sum(loss.apply(yTrue, yPred))), yPred)!;
    expect([...g.dataSync()].every(Number.isFinite)).toBe(true);
  });

  test('every built-in loss traces into a graph without reading values on the host', () => {
    const probs = { shape: [4, 3], dtype: 'float32' as const };
    for (const name of ['mse', 'mae', 'binary_crossentropy', 'categorical_crossentropy', 'kl_divergence',
      'cosine_similarity', 'huber', 'hinge', 'poisson']) {
      const loss = losses.get(name);
      const g = kiln.trace((t, p) => loss.apply(t, p), [probs, probs], { name });
      expect(g.outputs).toHaveLength(1);
    }
    const sparse = new losses.SparseCategoricalCrossentropy({ ignoreClass: 0 });
    const g = kiln.trace((t, p, w) => sparse.apply(t, p, w),
      [{ shape: [4], dtype: 'int32' }, probs, { shape: [4], dtype: 'float32' }], { name: 'sparse' });
    expect(g.outputs).toHaveLength(1);
  });
});

describe('custom losses', () => {
  class ScaledError extends losses.Loss {
    call(yTrue: Tensor, yPred: Tensor): Tensor {
      return kiln.ops.mean(kiln.ops.mul(kiln.ops.abs(kiln.ops.sub(yTrue, yPred)), 10), -1);
    }
  }

  test('a Loss subclass gets its snake_case class name and the base class weighting and reduction', () => {
    const loss = new ScaledError({ reduction: 'sum' });
    expect(loss.name).toMatch(/^scaled_error(_\d+)?$/);
    const got = loss.apply(kiln.tensor([[1, 2], [3, 4]]), kiln.tensor([[1, 3], [5, 4]]), kiln.tensor([1, 2]));
    expectClose(got, [10 * 0.5 * 1 + 10 * 1 * 2], [], 1e-5, 1e-6);
  });

  test('a plain function becomes a LossFunctionWrapper named after the function', () => {
    function squaredLogError(t: Tensor, p: Tensor): Tensor {
      return kiln.ops.mean(kiln.ops.square(kiln.ops.sub(kiln.ops.log1p(t), kiln.ops.log1p(p))), -1);
    }
    const loss = losses.get(squaredLogError);
    expect(loss).toBeInstanceOf(losses.LossFunctionWrapper);
    expect(loss.name).toBe('squared_log_error');
    const expected = [Math.log1p(1) - Math.log1p(2), Math.log1p(3) - Math.log1p(1)].map((d) => d * d);
    expectClose(loss.apply(kiln.tensor([1, 3]), kiln.tensor([2, 1])), [(expected[0] + expected[1]) / 2], [], 1e-6, 1e-5);
  });
});

describe('losses.get', () => {
  test('finds losses by Keras snake_case names, class names, camelCase and aliases, with Keras defaults', () => {
    for (const name of ['sparse_categorical_crossentropy', 'SparseCategoricalCrossentropy', 'sparseCategoricalCrossentropy'])
      expect(losses.get(name)).toBeInstanceOf(losses.SparseCategoricalCrossentropy);
    expect(losses.get('mse')).toBeInstanceOf(losses.MeanSquaredError);
    expect(losses.get('MAE')).toBeInstanceOf(losses.MeanAbsoluteError);
    expect(losses.get('kld')).toBeInstanceOf(losses.KLDivergence);
    expect(losses.get('bce')).toBeInstanceOf(losses.BinaryCrossentropy);
    expect(losses.get('kl_divergence')).toBeInstanceOf(losses.KLDivergence);
    const h = losses.get('huber') as kiln.losses.Huber;
    expect(h).toBeInstanceOf(losses.Huber);
    expect([h.delta, h.name, h.reduction]).toEqual([1, 'huber_loss', 'sum_over_batch_size']);
    const c = losses.get('categorical_crossentropy') as kiln.losses.CategoricalCrossentropy;
    expect([c.fromLogits, c.labelSmoothing, c.axis, c.name]).toEqual([false, 0, -1, 'categorical_crossentropy']);
  });

  test('returns Loss instances as they are and rebuilds serialized ones', () => {
    const loss = new losses.BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.1, reduction: 'sum' });
    expect(losses.get(loss)).toBe(loss);
    const again = losses.get(losses.serialize(loss)) as kiln.losses.BinaryCrossentropy;
    expect(again).toBeInstanceOf(losses.BinaryCrossentropy);
    expect(again.getConfig()).toEqual(loss.getConfig());
  });

  test('an unknown name is a ValueError that lists the known names', () => {
    expect(() => losses.get('sparse_crossentropy')).toThrow(kiln.ValueError);
    expect(() => losses.get('sparse_crossentropy'))
      .toThrow(/losses\.get: unknown loss "sparse_crossentropy"; known losses: .*SparseCategoricalCrossentropy.*mse/);
  });

  test('bad options are ValueErrors naming the loss', () => {
    expect(() => new losses.MeanSquaredError({ reduction: 'avg' as 'sum' }))
      .toThrow(/MeanSquaredError "mean_squared_error": invalid reduction "avg"/);
    expect(() => new losses.CategoricalCrossentropy({ labelSmoothing: 2 }))
      .toThrow(/CategoricalCrossentropy: labelSmoothing must be a number in \[0, 1\], got 2/);
    expect(() => new losses.Huber({ delta: Number.NaN })).toThrow(kiln.ValueError);
  });

  test('mismatched target and prediction shapes are ShapeErrors naming the op and the shapes', () => {
    expect(() => new losses.BinaryCrossentropy().apply(kiln.ones([2, 3]), kiln.ones([2, 4])))
      .toThrow(/binaryCrossentropy: target and output must have the same shape, got target \[2, 3\] and output \[2, 4\]/);
    expect(() => new losses.SparseCategoricalCrossentropy().apply(kiln.ones([3], 'int32'), kiln.ones([2, 4])))
      .toThrow(kiln.ShapeError);
    expect(() => new losses.MeanSquaredError().apply(kiln.ones([2, 3]), kiln.ones([2, 4]))).toThrow(kiln.ShapeError);
  });
});
