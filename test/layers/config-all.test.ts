// Every built-in layer class exported by kiln.layers round-trips through its JSON config, and the rebuilt layer
// computes what the original does with the same weights. A new layer class without a case here fails the
// completeness test.
import { afterAll, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import type { AnyLayer } from '../../src/engine/index.js';
import { randomTensor } from '../util/check.js';

const L = kiln.layers;
// Rebuilt Lambda functions see `ops` (kiln.ops) by that name.
const { ops } = kiln;

function roundTrip(layer: AnyLayer): AnyLayer {
  return kiln.deserializeLayer(JSON.parse(JSON.stringify(kiln.serializeLayer(layer))));
}

const x = (shape: number[], seed = 1): Tensor => randomTensor(shape, seed, 'float32');
const ids = (): Tensor => kiln.tensor([[1, 0, 3], [2, 4, 0]], [2, 3], 'int32');

// [layer, its inputs]: non-default options where the layer has them.
const cases: [AnyLayer, () => Tensor | Tensor[]][] = [
  [new L.Dense({ units: 3, activation: 'tanh', kernelRegularizer: 'l2' }), () => x([2, 4])],
  [new L.Activation({ activation: 'gelu' }), () => x([2, 4])],
  [new L.Dropout({ rate: 0.3, seed: 4 }), () => x([2, 4])],
  [new L.Flatten(), () => x([2, 2, 3])],
  [new L.Reshape({ targetShape: [3, -1] }), () => x([2, 6])],
  [new L.SimpleRNN({ units: 2, returnSequences: true, goBackwards: true }), () => x([2, 3, 2])],
  [new L.LSTM({ units: 2, unitForgetBias: false, recurrentActivation: 'hardSigmoid' }), () => x([2, 3, 2])],
  [new L.GRU({ units: 2, resetAfter: false, unroll: true }), () => x([2, 3, 2])],
  [new L.Conv1D({ filters: 2, kernelSize: 2, padding: 'causal', dilationRate: 2 }), () => x([2, 5, 3])],
  [new L.Conv2D({ filters: 2, kernelSize: [2, 3], strides: [1, 2], padding: 'same' }), () => x([2, 5, 5, 3])],
  [new L.Conv2DTranspose({ filters: 2, kernelSize: 3, strides: 2 }), () => x([2, 3, 3, 2])],
  [new L.MaxPooling1D({ poolSize: 2, strides: 1 }), () => x([2, 5, 3])],
  [new L.MaxPooling2D({ poolSize: [2, 1], padding: 'same' }), () => x([2, 5, 4, 3])],
  [new L.AveragePooling1D({ poolSize: 3, padding: 'same' }), () => x([2, 5, 3])],
  [new L.AveragePooling2D({ poolSize: 2, strides: 1 }), () => x([2, 4, 4, 3])],
  [new L.GlobalAveragePooling1D({ keepdims: true }), () => x([2, 5, 3])],
  [new L.GlobalAveragePooling2D(), () => x([2, 4, 4, 3])],
  [new L.GlobalMaxPooling1D(), () => x([2, 5, 3])],
  [new L.GlobalMaxPooling2D({ keepdims: true }), () => x([2, 4, 4, 3])],
  [new L.ZeroPadding2D({ padding: [[1, 0], [0, 2]] }), () => x([2, 3, 3, 2])],
  [new L.UpSampling2D({ size: [2, 3] }), () => x([2, 2, 2, 1])],
  [new L.BatchNormalization({ momentum: 0.9, epsilon: 1e-2, center: false }), () => x([4, 3])],
  [new L.LayerNormalization({ axis: [1, 2], scale: false }), () => x([2, 3, 2])],
  [new L.Embedding({ inputDim: 5, outputDim: 3, maskZero: true }), ids],
  [new L.Masking({ maskValue: 0.5 }), () => x([2, 3, 2])],
  [new L.Lambda({ function: (t, { arguments: a }) => ops.mul(t as Tensor, a.k as number), arguments: { k: 2 } }), () => x([2, 3])],
  [new L.Add(), () => [x([2, 3], 1), x([2, 3], 2)]],
  [new L.Subtract(), () => [x([2, 3], 1), x([2, 3], 2)]],
  [new L.Multiply(), () => [x([2, 3], 1), x([2, 3], 2)]],
  [new L.Average(), () => [x([2, 3], 1), x([2, 3], 2)]],
  [new L.Maximum(), () => [x([2, 3], 1), x([2, 3], 2)]],
  [new L.Concatenate({ axis: 1 }), () => [x([2, 3], 1), x([2, 2], 2)]],
  [new L.Dot({ axes: 1, normalize: true }), () => [x([2, 3], 1), x([2, 3], 2)]],
  [new L.Permute({ dims: [2, 1] }), () => x([2, 3, 4])],
  [new L.RepeatVector({ n: 3 }), () => x([2, 4])],
  [new L.Bidirectional(new L.GRU({ units: 2 }), { mergeMode: 'ave' }), () => x([2, 3, 2])],
  [new L.TimeDistributed(new L.Dense({ units: 2 })), () => x([2, 3, 4])],
  [new L.MultiHeadAttention({ numHeads: 2, keyDim: 2, valueDim: 3, outputShape: 5 }), () => [x([2, 3, 4], 1), x([2, 2, 4], 2)]],
];

afterAll(() => L.enableUnsafeDeserialization(false));

describe('configs of every built-in layer', () => {
  test('every concrete layer class exported by kiln.layers has a case here', () => {
    const abstract = new Set<unknown>([L.Layer, L.BaseRNN, L.BaseConv, L.Merge]);
    const exported = Object.values(L).filter((v): v is typeof L.Layer =>
      typeof v === 'function' && v.prototype instanceof L.Layer && !abstract.has(v));
    const covered = new Set(cases.map(([l]) => l.constructor));
    expect(exported.filter((c) => !covered.has(c)).map((c) => c.name)).toEqual([]);
  });

  test.each(cases.map(([l, inputs]) => [l.constructor.name, l, inputs] as const))(
    '%s round-trips its config and the rebuilt layer computes the same', (_name, layer, inputs) => {
      L.enableUnsafeDeserialization();
      const copy = roundTrip(layer);
      expect(copy.constructor).toBe(layer.constructor);
      expect(copy.getConfig()).toEqual(layer.getConfig());
      const xs = inputs();
      const want = layer.apply(xs) as Tensor | Tensor[];
      copy.apply(xs);
      copy.setWeights(layer.getWeights());
      const got = copy.apply(xs);
      const flat = (t: Tensor | Tensor[]): number[][] => (Array.isArray(t) ? t : [t]).map((v) => Array.from(v.dataSync()));
      expect(flat(got as Tensor | Tensor[])).toEqual(flat(want));
    });
});
