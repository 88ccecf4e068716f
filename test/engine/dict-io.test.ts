import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { kerasShape } from '../../src/engine/node.js';
import type { Tensor } from '../../src/index.js';
import { expectClose, randomTensor } from '../util/check.js';

const { Dense } = kiln.layers;

function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Two inputs a, b → outputs {sum: a + b, scaled: Dense(a)} (a Dense so the model has weights to train). */
function build() {
  const a = kiln.input({ shape: [3], name: 'a' }), b = kiln.input({ shape: [3], name: 'b' });
  const sum = kiln.ops.add(a, b);
  const scaled = new Dense({ units: 2, name: 'scaled' }).apply(a);
  return { a, b, sum, scaled, model: kiln.model({ inputs: { a, b }, outputs: { sum, scaled } }) };
}

describe('dict inputs and outputs (Keras 3)', () => {
  test('apply returns a record keyed by output names, with record inputs keyed by input names', () => {
    const { model } = build();
    const x = randomTensor([4, 3], 1, 'float32'), y = randomTensor([4, 3], 2, 'float32');
    const out = model.apply({ b: y, a: x }) as Record<string, Tensor>;
    expect(Object.keys(out)).toEqual(['sum', 'scaled']);
    const xv = values(x), yv = values(y);
    expectClose(out.sum, xv.map((v, i) => v + yv[i]), [4, 3]);
    expectClose(out.scaled, values(model.getLayer('scaled').apply(x) as Tensor), [4, 2]);
  });

  test('list outputs stay lists and a single output stays a tensor', () => {
    const a = kiln.input({ shape: [2] });
    const list = kiln.model({ inputs: a, outputs: [kiln.ops.neg(a), kiln.ops.abs(a)] });
    const out = list.apply(kiln.tensor([[1, -2]]));
    expect(Array.isArray(out)).toBe(true);
    expect((out as Tensor[]).map(values)).toEqual([[-1, 2], [1, 2]]);
    const one = kiln.model({ inputs: a, outputs: kiln.ops.neg(a) });
    expect(one.apply(kiln.tensor([[1, -2]]))).toBeInstanceOf(kiln.Tensor);
  });

  test('predict returns a record joined over batches', () => {
    const { model } = build();
    const x = randomTensor([7, 3], 3, 'float32'), y = randomTensor([7, 3], 4, 'float32');
    const out = model.predict({ a: x, b: y }, { batchSize: 3, verbose: 0 }) as Record<string, Tensor>;
    expect(Object.keys(out)).toEqual(['sum', 'scaled']);
    const want = model.apply({ a: x, b: y }) as Record<string, Tensor>;
    expectClose(out.sum, values(want.sum), [7, 3], 1e-6, 1e-6);
    expectClose(out.scaled, values(want.scaled), [7, 2], 1e-6, 1e-5);
  });

  test('a dict-output model nested as a layer gives a record of symbolic tensors', () => {
    const { model } = build();
    const p = kiln.input({ shape: [3] }), q = kiln.input({ shape: [3] });
    const inner = model.apply({ a: p, b: q }) as Record<string, Tensor>;
    expect(Object.keys(inner)).toEqual(['sum', 'scaled']);
    expect(kerasShape(inner.scaled)).toEqual([null, 2]);
    const outer = kiln.model({ inputs: [p, q], outputs: kiln.ops.mul(inner.sum, 2) });
    const x = randomTensor([2, 3], 5, 'float32'), y = randomTensor([2, 3], 6, 'float32');
    const xv = values(x), yv = values(y);
    expectClose(outer.apply([x, y]) as Tensor, xv.map((v, i) => 2 * (v + yv[i])), [2, 3]);
  });

  test('fit trains a dict-output model with losses keyed by output names', () => {
    const { model } = build();
    model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0.1 }), loss: { scaled: 'mse' } });
    const x = randomTensor([16, 3], 7, 'float32'), y = randomTensor([16, 3], 8, 'float32');
    const target = randomTensor([16, 2], 9, 'float32');
    const h = model.fit({ a: x, b: y }, { sum: kiln.ops.add(x, y), scaled: target },
      { epochs: 5, batchSize: 8, shuffle: false, verbose: 0 }).history;
    const loss = h.loss as number[];
    expect(loss[4]).toBeLessThan(loss[0]);
  });
});
