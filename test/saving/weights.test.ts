import path from 'node:path';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { SavingError } from '../../src/index.js';
import { tempDir, weightValues } from './helpers.js';

const { Dense, BatchNormalization } = kiln.layers;

function net(units: number, lastUnits = 2): kiln.Sequential {
  return new kiln.Sequential([kiln.input({ shape: [3] }), new Dense({ units }), new BatchNormalization(),
    new Dense({ units: lastUnits })]);
}

describe('saveWeights / loadWeights', () => {
  test('weights load by position into a fresh copy whose layers have other names', () => {
    kiln.ops.setRandomSeed(31);
    const a = net(4);
    const file = path.join(tempDir(), 'w.kiln');
    a.saveWeights(file);
    const b = net(4);
    expect(b.layers[0].name).not.toBe(a.layers[0].name);
    expect(weightValues(b)).not.toEqual(weightValues(a));
    b.loadWeights(file);
    expect(weightValues(b)).toEqual(weightValues(a));
    const x = kiln.ones([2, 3]);
    expect(Array.from((b.predict(x, { verbose: 0 }) as kiln.Tensor).dataSync()))
      .toEqual(Array.from((a.predict(x, { verbose: 0 }) as kiln.Tensor).dataSync()));
  });

  test('a shape mismatch names the layer and the weight, expected and actual, and assigns nothing', () => {
    kiln.ops.setRandomSeed(32);
    const a = net(4, 2);
    const file = path.join(tempDir(), 'w.kiln');
    a.saveWeights(file);
    const b = net(4, 5);
    const before = weightValues(b);
    const last = b.layers[2].name;
    let err: unknown;
    try {
      b.loadWeights(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SavingError);
    expect((err as Error).message).toMatch(new RegExp(`layer "${last}" weight "kernel": expected float32 \\[4, 5\\], ` +
      `the file has float32 \\[4, 2\\]`));
    // The earlier weights matched, but none was assigned.
    expect(weightValues(b)).toEqual(before);
  });

  test('a different number of weights is refused', () => {
    kiln.ops.setRandomSeed(33);
    const a = new kiln.Sequential([kiln.input({ shape: [3] }), new Dense({ units: 2 })]);
    const file = path.join(tempDir(), 'w.kiln');
    a.saveWeights(file);
    expect(() => net(4).loadWeights(file)).toThrow(/the file has 2 weights, Sequential "sequential\w*" has 8/);
  });

  test('loadWeights reads the weights of a whole-model file', () => {
    kiln.ops.setRandomSeed(34);
    const a = net(3);
    const file = path.join(tempDir(), 'm.kiln');
    a.save(file);
    const b = net(3);
    b.loadWeights(file);
    expect(weightValues(b)).toEqual(weightValues(a));
  });
});
