import { afterEach, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { roundTrip } from './layer-check.js';

const { Lambda, enableUnsafeDeserialization } = kiln.layers;
// Rebuilt Lambda functions see `ops` (kiln.ops) by that name.
const { ops } = kiln;

afterEach(() => enableUnsafeDeserialization(false));

describe('Lambda', () => {
  test('applies its function, with arguments and the training flag', () => {
    const layer = new Lambda({
      function: (x, { arguments: a, training }) => kiln.ops.mul(x as Tensor, training ? (a.k as number) : 1),
      arguments: { k: 3 }, dtype: 'float64',
    });
    const x = randomTensor([2, 3], 1);
    expectClose(layer.apply(x, { training: true }) as Tensor, Array.from(x.dataSync(), (v) => 3 * v), [2, 3], 0, 0);
    expectClose(layer.apply(x, { training: false }) as Tensor, Array.from(x.dataSync()), [2, 3], 0, 0);
  });

  test('takes a list of inputs', () => {
    const layer = new Lambda({ function: (xs) => kiln.ops.sub(...(xs as [Tensor, Tensor])), dtype: 'float64' });
    const a = randomTensor([2, 2], 2), b = randomTensor([2, 2], 3);
    const bs = b.dataSync();
    expectClose(layer.apply([a, b]) as Tensor, Array.from(a.dataSync(), (v, i) => v - bs[i]), [2, 2], 0, 0);
  });

  test('drops masks by default and computes them with a mask function', () => {
    const x = randomTensor([2, 3], 4);
    const mask = kiln.tensor([[true, false, true], [false, true, true]], [2, 3], 'bool');
    expect(kiln.getMask(new Lambda({ function: (t) => t }).apply(x, { mask }) as Tensor)).toBeNull();
    const layer = new Lambda({ function: (t) => t, mask: (_t, m) => kiln.ops.logicalNot(m as Tensor) });
    expect(Array.from(kiln.getMask(layer.apply(x, { mask }) as Tensor)!.dataSync())).toEqual([0, 1, 0, 1, 0, 0]);
  });

  test('gradients flow through the function', () => {
    const layer = new Lambda({ function: (t) => kiln.ops.mul(kiln.ops.tanh(t as Tensor), t as Tensor), dtype: 'float64' });
    checkGradients((t) => layer.apply(t) as Tensor, [randomTensor([2, 3], 5)]);
  });

  test('deserializing is refused unless unsafe deserialization is enabled', () => {
    const layer = new Lambda({ function: (t) => kiln.ops.neg(t as Tensor), name: 'neg' });
    expect(() => roundTrip(layer)).toThrow(kiln.ValueError);
    expect(() => roundTrip(layer)).toThrow(/Lambda "neg": deserializing a Lambda evaluates its function's source/);
  });

  test('with unsafe deserialization the config round-trips and the rebuilt layer computes the same', () => {
    enableUnsafeDeserialization();
    const layer = new Lambda({
      function: (t, { arguments: a }) => ops.add(t as Tensor, a.shift as number),
      mask: (t) => ops.greater(t as Tensor, 0),
      arguments: { shift: 2 }, name: 'shift',
    });
    const copy = roundTrip(layer);
    expect(copy.getConfig()).toEqual(layer.getConfig());
    const x = kiln.tensor([[-3, 1]]);
    const y = copy.apply(x) as Tensor;
    expect(Array.from(y.dataSync())).toEqual([-1, 3]);
    expect(Array.from(kiln.getMask(y)!.dataSync())).toEqual([0, 1]);
  });

  test('a fixed mask tensor cannot be serialized, and a non-function is a ValueError', () => {
    const layer = new Lambda({ function: (t) => t, mask: kiln.tensor([true], [1], 'bool'), name: 'fixed' });
    expect(() => layer.getConfig()).toThrow(/Lambda "fixed": a fixed mask tensor cannot be serialized/);
    expect(() => new Lambda({ function: 3 as unknown as kiln.layers.LambdaFunction, name: 'n' }))
      .toThrow('Lambda "n": function must be a function, got 3');
  });
});
