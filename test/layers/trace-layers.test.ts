import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import type { AnyLayer } from '../../src/engine/index.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { expectClose, randomTensor } from '../util/check.js';

const L = kiln.layers;

/** Traces layer.apply on symbolic inputs shaped like `xs`, interprets the graph, and compares with eager. */
function expectTracedEqualsEager(layer: AnyLayer, xs: Tensor[], list: boolean, training = false): void {
  const call = (...ts: Tensor[]): Tensor => layer.apply(list ? ts : ts[0], { training }) as Tensor;
  const eager = call(...xs);
  const g = kiln.trace(call, xs.map((x) => ({ shape: [...x.shape], dtype: x.dtype })));
  const [y] = interpret(g, xs);
  expectClose(y, Array.from(eager.dataSync()), eager.shape, 1e-12, 1e-12);
}

describe('built-in layers under tracing', () => {
  const single: [string, () => AnyLayer, number[]][] = [
    ['Conv1D causal', () => new L.Conv1D({ filters: 2, kernelSize: 3, padding: 'causal', dtype: 'float64' }), [2, 5, 3]],
    ['Conv2D', () => new L.Conv2D({ filters: 2, kernelSize: 3, strides: 2, padding: 'same', dtype: 'float64' }), [1, 5, 5, 2]],
    ['Conv2DTranspose', () => new L.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2, dtype: 'float64' }), [1, 3, 3, 2]],
    ['MaxPooling2D', () => new L.MaxPooling2D({ dtype: 'float64' }), [1, 4, 4, 2]],
    ['AveragePooling1D', () => new L.AveragePooling1D({ dtype: 'float64', padding: 'same' }), [2, 5, 2]],
    ['GlobalAveragePooling2D', () => new L.GlobalAveragePooling2D({ dtype: 'float64' }), [2, 3, 3, 2]],
    ['GlobalMaxPooling1D', () => new L.GlobalMaxPooling1D({ dtype: 'float64' }), [2, 3, 2]],
    ['ZeroPadding2D', () => new L.ZeroPadding2D({ dtype: 'float64' }), [1, 2, 2, 1]],
    ['UpSampling2D', () => new L.UpSampling2D({ dtype: 'float64' }), [1, 2, 3, 1]],
    ['LayerNormalization', () => new L.LayerNormalization({ dtype: 'float64' }), [3, 4]],
    ['BatchNormalization', () => new L.BatchNormalization({ dtype: 'float64' }), [3, 4]],
    ['Masking', () => new L.Masking({ dtype: 'float64' }), [2, 3, 2]],
    ['Permute', () => new L.Permute({ dims: [2, 1], dtype: 'float64' }), [2, 3, 4]],
    ['RepeatVector', () => new L.RepeatVector({ n: 3, dtype: 'float64' }), [2, 4]],
  ];
  for (const [what, make, shape] of single)
    test(`${what} traced and interpreted gives its eager output`, () => {
      expectTracedEqualsEager(make(), [randomTensor(shape, 1)], false);
    });

  test('Embedding traced on int32 indices gives its eager output', () => {
    expectTracedEqualsEager(new L.Embedding({ inputDim: 5, outputDim: 3, dtype: 'float64' }),
      [kiln.tensor([[1, 4], [0, 2]], [2, 2], 'int32')], false);
  });

  for (const [what, make] of [
    ['Add', () => new L.Add({ dtype: 'float64' })], ['Maximum', () => new L.Maximum({ dtype: 'float64' })],
    ['Concatenate', () => new L.Concatenate({ dtype: 'float64' })], ['Dot', () => new L.Dot({ axes: 1, dtype: 'float64' })],
  ] as [string, () => AnyLayer][])
    test(`${what} traced on a list of inputs gives its eager output`, () => {
      expectTracedEqualsEager(make(), [randomTensor([2, 3], 2), randomTensor([2, 3], 3)], true);
    });

  test('a traced BatchNormalization training step updates the moving statistics as eager calls do', () => {
    const x = randomTensor([5, 3], 4);
    const eager = new L.BatchNormalization({ dtype: 'float64' });
    const traced = new L.BatchNormalization({ dtype: 'float64' });
    eager.apply(x, { training: true });
    eager.apply(x, { training: true });
    traced.apply(x); // build (inference leaves the moving statistics alone)
    const g = kiln.trace((t) => traced.apply(t, { training: true }), [{ shape: [5, 3], dtype: 'float64' }]);
    expect(Array.from(traced.movingMean!.peek().dataSync())).toEqual([0, 0, 0]);
    interpret(g, [x]);
    interpret(g, [x]);
    expectClose(traced.movingMean!.peek(), Array.from(eager.movingMean!.peek().dataSync()), [3], 1e-12, 1e-12);
    expectClose(traced.movingVariance!.peek(), Array.from(eager.movingVariance!.peek().dataSync()), [3], 1e-12, 1e-12);
  });
});
