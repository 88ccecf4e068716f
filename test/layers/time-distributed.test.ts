import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor, uniformValues } from '../util/check.js';
import { checkWeightGradients, maskOf } from './rnn-reference.js';

const { TimeDistributed, Dense } = kiln.layers;

function seededDense(units: number, inputDim: number) {
  const td = new TimeDistributed(new Dense({ units, activation: 'tanh', dtype: 'float64' }), { dtype: 'float64' });
  td.apply(kiln.zeros([1, 1, inputDim], 'float64'));
  const w = uniformValues(inputDim * units, 3), b = uniformValues(units, 4);
  td.setWeights([kiln.tensor(w, [inputDim, units], 'float64'), kiln.tensor(b, [units], 'float64')]);
  return { td, w, b };
}

describe('TimeDistributed', () => {
  test('a Dense applied to each step equals tanh(x_t·W + b) for every t, with one set of weights', () => {
    const { td, w, b } = seededDense(3, 2);
    const x = randomTensor([2, 4, 2], 1);
    const xs = x.dataSync();
    const ref: number[] = [];
    for (let r = 0; r < 8; r++)
      for (let u = 0; u < 3; u++) ref.push(Math.tanh(b[u] + xs[r * 2] * w[u] + xs[r * 2 + 1] * w[3 + u]));
    expectClose(td.apply(x), ref, [2, 4, 3], 1e-12, 1e-12);
    expect(td.weights).toHaveLength(2);
    expect((td.layer as kiln.layers.Dense).kernel!.shape).toEqual([2, 3]);
  });

  test('inner layers of higher rank see [batch, ...] slices (a Flatten per step)', () => {
    const td = new TimeDistributed(new kiln.layers.Flatten({ dtype: 'float64' }), { dtype: 'float64' });
    const x = randomTensor([2, 3, 2, 2], 2);
    const y = td.apply(x);
    expectClose(y, Array.from(x.dataSync()), [2, 3, 4], 0, 0);
  });

  test('the input mask is passed through to the output', () => {
    const { td } = seededDense(2, 2);
    const x = randomTensor([2, 3, 2], 3);
    const m = maskOf([[true, false, true], [true, true, false]]).tensor;
    kiln.setMask(x, m);
    expect(kiln.getMask(td.apply(x))).toBe(m);
  });

  test('gradients with respect to the input and the shared weights match finite differences', () => {
    const { td } = seededDense(2, 3);
    checkGradients((x) => td.apply(x), [randomTensor([2, 3, 3], 11)]);
    const x = randomTensor([2, 2, 3], 12);
    checkWeightGradients(td, () => td.apply(x));
  });

  test('getConfig round-trips the wrapped layer', () => {
    const td = new TimeDistributed(new Dense({ units: 5, activation: 'relu', name: 'inner' }), { name: 'td' });
    const config = JSON.parse(JSON.stringify(td.getConfig()));
    expect(config.layer).toMatchObject({ className: 'Dense', config: { units: 5, activation: 'relu' } });
    const again = kiln.deserializeLayer({ className: 'TimeDistributed', config }) as kiln.layers.TimeDistributed;
    expect(again.layer).toBeInstanceOf(Dense);
    expect(again.getConfig()).toEqual(td.getConfig());
  });

  test('a rank-2 input is a ShapeError naming the wrapper; a bad step shape names the inner layer', () => {
    const td = new TimeDistributed(new Dense({ units: 2, name: 'd' }), { name: 'td2' });
    expect(() => td.apply(kiln.zeros([2, 3]))).toThrow('TimeDistributed "td2": expected input of rank ≥ 3, got rank 2');
    td.apply(kiln.zeros([1, 2, 4]));
    expect(() => td.apply(kiln.zeros([1, 2, 5]))).toThrow(/Dense "d": expected axis -1 of input to have size 4, got 5/);
  });
});
