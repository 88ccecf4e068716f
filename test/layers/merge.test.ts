import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { Add, Subtract, Multiply, Average, Maximum } = kiln.layers;

const elementwise: [string, (o: kiln.layers.MergeOptions) => kiln.layers.Merge, (vs: number[]) => number][] = [
  ['Add', (o) => new Add(o), (vs) => vs.reduce((a, b) => a + b)],
  ['Multiply', (o) => new Multiply(o), (vs) => vs.reduce((a, b) => a * b)],
  ['Average', (o) => new Average(o), (vs) => vs.reduce((a, b) => a + b) / vs.length],
  ['Maximum', (o) => new Maximum(o), (vs) => Math.max(...vs)],
];

describe('elementwise merge values', () => {
  for (const [name, make, f] of elementwise)
    test(`${name} of three inputs is the elementwise reference`, () => {
      const xs = [1, 2, 3].map((s) => randomTensor([2, 3, 2], s));
      const data = xs.map((x) => x.dataSync());
      expectClose(make({ dtype: 'float64' }).apply(xs), Array.from(data[0], (_, i) => f(data.map((d) => d[i]))),
        [2, 3, 2], 1e-12, 1e-12);
    });

  test('Subtract gives inputs[0] - inputs[1]', () => {
    const a = randomTensor([3, 2], 4), b = randomTensor([3, 2], 5);
    const bs = b.dataSync();
    expectClose(new Subtract({ dtype: 'float64' }).apply([a, b]), Array.from(a.dataSync(), (v, i) => v - bs[i]),
      [3, 2], 0, 0);
  });

  test('a lower-rank input gets size-1 axes after the batch axis, then broadcasts', () => {
    const a = randomTensor([2, 3, 4], 6), b = randomTensor([2, 4], 7);
    const y = new Add({ dtype: 'float64' }).apply([a, b]);
    // b [2, 4] becomes [2, 1, 4].
    const as = a.dataSync(), bs = b.dataSync();
    expectClose(y, Array.from(as, (v, i) => v + bs[Math.floor(i / 12) * 4 + (i % 4)]), [2, 3, 4], 0, 0);
  });

  test('size-1 axes broadcast against full ones', () => {
    const a = randomTensor([2, 1, 3], 8), b = randomTensor([2, 4, 1], 9);
    const as = a.dataSync(), bs = b.dataSync();
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++)
      expected.push(as[n * 3 + j] * bs[n * 4 + i]);
    expectClose(new Multiply({ dtype: 'float64' }).apply([a, b]), expected, [2, 4, 3], 1e-15, 0);
  });
});

describe('merge masks', () => {
  const m1 = (): Tensor => kiln.tensor([[true, false, false], [true, true, false]], [2, 3], 'bool');
  const m2 = (): Tensor => kiln.tensor([[false, false, true], [true, false, false]], [2, 3], 'bool');

  test('the output mask is the OR of the input masks when every input has one', () => {
    const a = randomTensor([2, 3, 2], 10), b = randomTensor([2, 3, 2], 11);
    const y = new Add().apply([a, b], { mask: [m1(), m2()] });
    expect(Array.from(kiln.getMask(y)!.dataSync())).toEqual([1, 0, 1, 1, 1, 0]);
  });

  test('the output has no mask when one input has none', () => {
    const a = randomTensor([2, 3, 2], 12), b = randomTensor([2, 3, 2], 13);
    expect(kiln.getMask(new Multiply().apply([a, b], { mask: [m1(), null] }))).toBeNull();
  });

  test('Maximum takes the unmasked side where one input is masked, and the first where both are (Keras)', () => {
    const a = randomTensor([2, 3, 2], 14), b = randomTensor([2, 3, 2], 15);
    const ma = [1, 0, 0, 1, 1, 0], mb = [0, 0, 1, 1, 0, 0];
    const as = a.dataSync(), bs = b.dataSync();
    const y = new Maximum({ dtype: 'float64' }).apply([a, b], { mask: [m1(), m2()] });
    const expected = Array.from(as, (v, i) => {
      const s = Math.floor(i / 2);
      if (ma[s] && !mb[s]) return v;
      if (mb[s] && !ma[s]) return bs[i];
      return ma[s] ? Math.max(v, bs[i]) : v; // both masked: Keras keeps the first input
    });
    expectClose(y, expected, [2, 3, 2], 0, 0);
  });
});

describe('merge gradients', () => {
  for (const [name, make] of elementwise)
    test(`${name} gradients with respect to every input match finite differences`, () => {
      const layer = make({ dtype: 'float64' });
      checkGradients((a, b, c) => layer.apply([a, b, c]), [randomTensor([2, 3], 16), randomTensor([2, 3], 17),
        randomTensor([2, 1], 18)]);
    });

  test('Subtract gradients match finite differences with rank alignment', () => {
    const layer = new Subtract({ dtype: 'float64' });
    checkGradients((a, b) => layer.apply([a, b]), [randomTensor([2, 2, 3], 19), randomTensor([2, 3], 20)]);
  });
});

describe('merge configs and errors', () => {
  test('configs round-trip through JSON', () => {
    for (const [, make] of elementwise) expectConfigRoundTrip(make({ name: 'm', dtype: 'float64' }));
    expectConfigRoundTrip(new Subtract());
  });

  test('a single tensor instead of a list is a ValueError naming the layer', () => {
    const layer = new Add({ name: 'add1' });
    const call = (): unknown => layer.apply(kiln.zeros([2, 3]) as unknown as Tensor[]);
    expect(call).toThrow(kiln.ValueError);
    expect(call).toThrow('Add "add1": a merge layer must be called on a list of at least 1 tensor, got one tensor of shape [2, 3]');
  });

  test('incompatible shapes or batch sizes are ShapeErrors naming the layer and the shapes', () => {
    expect(() => new Add({ name: 'a2' }).apply([kiln.zeros([2, 3]), kiln.zeros([2, 4])]))
      .toThrow('Add "a2": inputs have incompatible shapes (input shapes [2, 3], [2, 4])');
    expect(() => new Average({ name: 'a3' }).apply([kiln.zeros([2, 3]), kiln.zeros([3, 3])]))
      .toThrow('Average "a3": cannot merge tensors with different batch sizes (input shapes [2, 3], [3, 3])');
  });

  test('Subtract needs exactly two inputs', () => {
    expect(() => new Subtract({ name: 's' }).apply([kiln.zeros([1, 2]), kiln.zeros([1, 2]), kiln.zeros([1, 2])]))
      .toThrow('Subtract "s": must be called on exactly 2 inputs, got 3');
  });
});
