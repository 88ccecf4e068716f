import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { activationNames } from '../../src/activations.js';
import { expectOnnxMatchesPredict, runOnnx, tempDir } from './helpers.js';
import { randomTensor } from '../util/check.js';

const L = kiln.layers;

/** Gives a BatchNormalization random statistics and affine parameters (variance positive). */
function randomizeBatchNorm(bn: kiln.layers.BatchNormalization, seed: number): void {
  const n = bn.movingMean!.shape[0];
  bn.setWeights([
    randomTensor([n], seed, 'float32', 0.5, 1.5), randomTensor([n], seed + 1, 'float32'),
    randomTensor([n], seed + 2, 'float32'), randomTensor([n], seed + 3, 'float32', 0.2, 2),
  ]);
}

describe('ONNX export of each supported layer', () => {
  test('a branching CNN with BatchNormalization, same-padded pools, Add, Concatenate and global pooling', async () => {
    const x = kiln.input({ shape: [10, 9, 3] });
    const conv = new L.Conv2D({ filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same' }).apply(x);
    const bn = new L.BatchNormalization();
    const h = new L.Activation({ activation: 'relu' }).apply(bn.apply(conv));
    const a = new L.MaxPooling2D({ poolSize: 2, strides: 1, padding: 'same' }).apply(h);
    const b = new L.AveragePooling2D({ poolSize: 3, strides: 1, padding: 'same' }).apply(h);
    const c = new L.Conv2D({ filters: 2, kernelSize: 1, dilationRate: 1, activation: 'tanh' }).apply(h);
    const merged = new L.Concatenate().apply([new L.Add().apply([a, b]), c]);
    const pooled = new L.GlobalAveragePooling2D().apply(merged);
    const flat = new L.Dense({ units: 3 }).apply(new L.Flatten().apply(new L.MaxPooling2D().apply(merged)));
    const y = new L.Dense({ units: 5, activation: 'softmax' }).apply(new L.Concatenate().apply([pooled, flat]));
    const model = kiln.model({ inputs: x, outputs: y, name: 'branchy' });
    randomizeBatchNorm(bn, 5);
    await expectOnnxMatchesPredict(model, [10, 9, 3], [1, 3], 31);
  });

  test('Conv1D (causal, dilated), pools over steps, Reshape and global max pooling', async () => {
    const model = new kiln.Sequential([
      kiln.input({ shape: [24] }),
      new L.Reshape({ targetShape: [12, -1] }),
      new L.Conv1D({ filters: 5, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'elu' }),
      new L.AveragePooling1D({ poolSize: 2 }),
      new L.Conv1D({ filters: 4, kernelSize: 2, padding: 'same' }),
      new L.MaxPooling1D({ poolSize: 2, padding: 'same' }),
      new L.GlobalMaxPooling1D(),
    ], { name: 'conv1d' });
    await expectOnnxMatchesPredict(model, [24], [2, 5], 41);
  });

  test('the merge layers, GlobalAveragePooling with keepdims, and a nested Sequential', async () => {
    const x = kiln.input({ shape: [4, 4, 2] });
    const inner = new kiln.Sequential([kiln.input({ shape: [4, 4, 2] }),
      new L.Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' })], { name: 'inner' });
    const h = inner.apply(x) as kiln.Tensor;
    const g = new L.GlobalAveragePooling2D({ keepdims: true }).apply(h);
    const scaled = new L.Multiply().apply([h, g]);
    const d1 = new L.Dense({ units: 6 }).apply(new L.Flatten().apply(scaled));
    const d2 = new L.Dense({ units: 6 }).apply(new L.Flatten().apply(h));
    const y = new L.Average().apply([new L.Subtract().apply([d1, d2]), new L.Maximum().apply([d1, d2]), d1]);
    const model = kiln.model({ inputs: x, outputs: new L.Dropout({ rate: 0.5 }).apply(y), name: 'merges' });
    await expectOnnxMatchesPredict(model, [4, 4, 2], [1, 4], 51);
  });

  test('every built-in activation gives model.predict\'s values', async () => {
    for (const [i, name] of activationNames().entries()) {
      const model = new kiln.Sequential([kiln.input({ shape: [5] }),
        new L.Dense({ units: 7, activation: name, kernelInitializer: 'heNormal' })], { name: `act_${name}` });
      await expectOnnxMatchesPredict(model, [5], [3], 60 + i, 2e-5);
    }
  });
});

describe('ONNX model file', () => {
  test('records the opset asked for, IR version 8, and a dynamic batch dimension', async () => {
    const model = new kiln.Sequential([kiln.input({ shape: [3], name: 'features' }),
      new L.Dense({ units: 2, name: 'logits' })], { name: 'tiny' });
    const path = join(tempDir(), 'tiny.onnx');
    kiln.onnx.exportModel(model, path, { opset: 13 });
    const proto = kiln.onnx.decodeModel(readFileSync(path));
    expect(proto.irVersion).toBe(8);
    expect(proto.opsetImport).toEqual([{ domain: '', version: 13 }]);
    expect(proto.graph.input[0].type.tensorType.shape.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 3 }]);
    expect(proto.graph.input[0].name).toBe('features');
    expect(proto.graph.output[0].name).toBe('logits');
    const x = randomTensor([6, 3], 3, 'float32');
    expect((await runOnnx(path, x)).dims).toEqual([6, 2]);
  });

  test('an opset outside 13 to 17, an unknown export format and a subclassed model are errors', () => {
    const model = new kiln.Sequential([kiln.input({ shape: [3] }), new L.Dense({ units: 2 })], { name: 'm' });
    const path = join(tempDir(), 'm.onnx');
    expect(() => kiln.onnx.exportModel(model, path, { opset: 18 })).toThrow(
      'Sequential "m": ONNX opset must be an integer from 13 to 17, got 18');
    expect(() => model.export(path, { format: 'savedModel' as 'onnx' })).toThrow(
      'Sequential "m": unknown export format "savedModel"; known formats: onnx');
    class Sub extends kiln.Model<kiln.Tensor, kiln.Tensor> {
      readonly d = new L.Dense({ units: 2 });
      override call(t: kiln.Tensor): kiln.Tensor {
        return this.d.apply(t);
      }
    }
    expect(() => new Sub({ name: 'sub' }).export(path)).toThrow(/Sub "sub": ONNX export needs a Functional or Sequential/);
  });

  test('a custom activation function is an error naming the layer', () => {
    const model = new kiln.Sequential([kiln.input({ shape: [3] }),
      new L.Dense({ units: 2, activation: (t) => kiln.ops.mul(t, 2), name: 'custom' })], { name: 'm' });
    expect(() => model.export(join(tempDir(), 'c.onnx'))).toThrow(/Dense "custom": its activation is a custom function/);
  });
});

describe('ONNX export of a multi-output model', () => {
  test('keeps the Functional\'s output names and order, each output equal to model.predict\'s', async () => {
    const x = kiln.input({ shape: [6], name: 'pixels' });
    const h = new L.Dense({ units: 5, activation: 'relu' }).apply(x);
    const model = kiln.model({ inputs: x, outputs: { score: new L.Dense({ units: 1, activation: 'sigmoid' }).apply(h),
      probs: new L.Dense({ units: 3, activation: 'softmax' }).apply(h) }, name: 'two_heads' });
    const path = join(tempDir(), 'two.onnx');
    model.export(path);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(path);
    expect(session.inputNames).toEqual(['pixels']);
    expect(session.outputNames).toEqual(['score', 'probs']);
    const input = randomTensor([4, 6], 77, 'float32');
    const got = await session.run({ pixels: new ort.Tensor('float32', Float32Array.from(input.dataSync()), [4, 6]) });
    // predict gives a record model's outputs as a record or, in output order, as a list.
    const out = model.predict(input, { verbose: 0 }) as unknown as kiln.Tensor[] | Record<string, kiln.Tensor>;
    ['score', 'probs'].forEach((name, i) => {
      const want = Array.isArray(out) ? out[i] : out[name];
      const w = want.dataSync();
      expect(got[name].dims).toEqual(want.shape);
      (got[name].data as Float32Array).forEach((v, k) => expect(v).toBeCloseTo(w[k], 5));
    });
    await session.release();
  });
});
