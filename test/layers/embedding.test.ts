import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../util/check.js';
import { checkWeightGradients, expectConfigRoundTrip, seedWeights } from './layer-check.js';

const { Embedding } = kiln.layers;

describe('Embedding values', () => {
  test('each index selects its row of the table', () => {
    const emb = new Embedding({ inputDim: 5, outputDim: 3, dtype: 'float64' });
    const [table] = seedWeights(emb, 1);
    const idx = [[0, 4, 2], [3, 3, 1]];
    const y = emb.apply(kiln.tensor(idx, [2, 3], 'int32'));
    expectClose(y, idx.flat().flatMap((i) => table.slice(i * 3, i * 3 + 3)), [2, 3, 3], 0, 0);
  });

  test('floating indices are used as integers', () => {
    const emb = new Embedding({ inputDim: 4, outputDim: 2 });
    const [table] = seedWeights(emb, 2);
    const y = emb.apply(kiln.tensor([[3, 1]], [1, 2], 'float32'));
    expectClose(y, [...table.slice(6, 8), ...table.slice(2, 4)], [1, 2, 2], 1e-6, 1e-6);
  });

  test('the table exists before the first call, uniform in ±0.05', () => {
    const emb = new Embedding({ inputDim: 50, outputDim: 20, name: 'emb' });
    expect(emb.weights.map((w) => [w.name, w.shape])).toEqual([['emb/embeddings', [50, 20]]]);
    const v = Array.from(emb.embeddings.peek().dataSync()).map(Math.abs);
    expect(Math.max(...v)).toBeLessThanOrEqual(0.05);
    expect(Math.max(...v)).toBeGreaterThan(0.04);
  });
});

describe('Embedding masks', () => {
  test('maskZero gives the mask inputs != 0', () => {
    const emb = new Embedding({ inputDim: 4, outputDim: 2, maskZero: true });
    const x = kiln.tensor([[1, 0, 3], [0, 0, 2]], [2, 3], 'int32');
    const y = emb.apply(x);
    const mask = kiln.getMask(y)!;
    expect(mask.dtype).toBe('bool');
    expect(mask.shape).toEqual([2, 3]);
    expect(Array.from(mask.dataSync())).toEqual([1, 0, 1, 0, 0, 1]);
  });

  test('without maskZero the output has no mask', () => {
    const emb = new Embedding({ inputDim: 4, outputDim: 2 });
    const x = kiln.tensor([[1, 0]], [1, 2], 'int32');
    expect(kiln.getMask(emb.apply(x))).toBeNull();
    expect(emb.computeMask(x)).toBeNull();
  });
});

describe('Embedding gradients', () => {
  test('the table gradient (rows summed over repeated indices) matches finite differences', () => {
    const emb = new Embedding({ inputDim: 4, outputDim: 3, dtype: 'float64' });
    seedWeights(emb, 3);
    checkWeightGradients(emb, kiln.tensor([[1, 3, 1], [0, 1, 1]], [2, 3], 'int32'));
  });
});

describe('Embedding configs and errors', () => {
  test('the config round-trips through JSON', () => {
    expectConfigRoundTrip(new Embedding({ inputDim: 10, outputDim: 4, maskZero: true, embeddingsRegularizer: 'l2',
      embeddingsConstraint: 'unitNorm', embeddingsInitializer: 'glorotUniform', name: 'e' }));
    expectConfigRoundTrip(new Embedding({ inputDim: 2, outputDim: 1 }));
  });

  test('bad sizes are ValueErrors naming the layer', () => {
    expect(() => new Embedding({ inputDim: 0, outputDim: 2, name: 'e0' }))
      .toThrow('Embedding "e0": inputDim must be a positive integer, got 0');
    expect(() => new Embedding({ inputDim: 3, outputDim: 1.5, name: 'e1' }))
      .toThrow('Embedding "e1": outputDim must be a positive integer, got 1.5');
  });

  test('an index outside [0, inputDim) is an error naming the index', () => {
    const emb = new Embedding({ inputDim: 3, outputDim: 2 });
    expect(() => emb.apply(kiln.tensor([[1, 3]], [1, 2], 'int32'))).toThrow(/out of range \[0, 3\)/);
  });
});
