import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { kerasShape } from '../../src/engine/node.js';
import type { Tensor } from '../../src/index.js';
import { expectClose, randomTensor } from '../util/check.js';

const { Conv2D, MaxPooling2D, GlobalAveragePooling2D, Dense, Flatten } = kiln.layers;

function convStack() {
  const x = kiln.input({ shape: [null, null, 3], name: 'image' });
  const c1 = new Conv2D({ filters: 8, kernelSize: 3, name: 'c1' });
  const pool = new MaxPooling2D({ name: 'pool' });
  const c2 = new Conv2D({ filters: 8, kernelSize: 3, strides: 2, name: 'c2' });
  const gap = new GlobalAveragePooling2D({ name: 'gap' });
  const head = new Dense({ units: 4, name: 'head' });
  const h1 = c1.apply(x);
  const h2 = pool.apply(h1);
  const h3 = c2.apply(h2);
  const h4 = gap.apply(h3);
  const y = head.apply(h4);
  return { x, y, symbolic: [h1, h2, h3, h4, y], layers: [c1, pool, c2, gap, head] };
}

// Keras' 'valid' output size: floor((n - k) / s) + 1.
const valid = (n: number, k: number, s: number): number => Math.floor((n - k) / s) + 1;

describe('unknown spatial dims', () => {
  test('symbolic shapes keep unknown dims through conv, pooling and global pooling', () => {
    const { symbolic } = convStack();
    expect(symbolic.map(kerasShape)).toEqual([
      [null, null, null, 8], [null, null, null, 8], [null, null, null, 8], [null, 8], [null, 4],
    ]);
  });

  test('a layer called on symbolic tensors is built from their shapes, unknown dims as null (as Keras)', () => {
    class Records extends kiln.Layer {
      builtWith: (number | null)[] | null = null;
      override build(shape: readonly (number | null)[]): void {
        this.builtWith = [...shape];
      }
      override call(x: Tensor): Tensor {
        return x;
      }
    }
    const r = new Records();
    r.apply(kiln.input({ shape: [null, 5] }));
    expect(r.builtWith).toEqual([null, null, 5]);
  });

  test('known dims stay known and pooled sizes are exact (no coincidence of small probes)', () => {
    const x = kiln.input({ shape: [5, null, 3] });
    const y = new MaxPooling2D({ poolSize: 2 }).apply(new Conv2D({ filters: 2, kernelSize: 3 }).apply(x));
    expect(kerasShape(y)).toEqual([null, 1, null, 2]);
  });

  test('a flattened unknown dim is unknown, and a Dense on it fails with the layer named', () => {
    const x = kiln.input({ shape: [null, 3] });
    const flat = new Flatten().apply(x);
    expect(kerasShape(flat)).toEqual([null, null]);
    expect(() => new Dense({ units: 2, name: 'needs_known' }).apply(flat)).toThrow(/needs_known/);
  });

  test('the model predicts on 28×28 and 33×33 images with the shapes and values of the eager layers', () => {
    const { x, y, layers } = convStack();
    const model = kiln.model({ inputs: x, outputs: y });
    for (const [n, seed] of [[28, 1], [33, 2]]) {
      const images = randomTensor([3, n, n, 3], seed, 'float32');
      const out = model.predict(images, { verbose: 0 }) as Tensor;
      expect(out.shape).toEqual([3, 4]);
      let h: Tensor = images;
      for (const l of layers) h = l.apply(h) as Tensor;
      expectClose(out, h.dataSync(), [3, 4], 1e-5, 1e-4);
      // The spatial size the stack computes, from Keras' formulas.
      const inner = layers.slice(0, 3).reduce((t, l) => l.apply(t) as Tensor, images);
      const side = valid(Math.floor(valid(n, 3, 1) / 2), 3, 2);
      expect(inner.shape).toEqual([3, side, side, 8]);
    }
  });

  test('a functional model with unknown spatial dims fits (loss goes down)', () => {
    const { x, y } = convStack();
    const model = kiln.model({ inputs: x, outputs: y });
    model.compile({ optimizer: new kiln.optimizers.SGD({ learningRate: 0.05 }), loss: 'mse' });
    const images = randomTensor([16, 12, 12, 3], 3, 'float32');
    const targets = randomTensor([16, 4], 4, 'float32');
    const h = model.fit(images, targets, { epochs: 6, batchSize: 8, shuffle: false, verbose: 0 }).history;
    const loss = h.loss as number[];
    expect(loss.every(Number.isFinite)).toBe(true);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
  });
});

describe('shape-dependent ops over an unknown batch dim', () => {
  // Plain-JS reference: x - mean over the batch of x, per feature.
  function centered(values: Float32Array, batch: number, features: number): number[] {
    const out: number[] = [];
    for (let f = 0; f < features; f++) {
      let s = 0;
      for (let b = 0; b < batch; b++) s += values[b * features + f];
    }
    const means = Array.from({ length: features }, (_, f) => {
      let s = 0;
      for (let b = 0; b < batch; b++) s += values[b * features + f];
      return s / batch;
    });
    for (let b = 0; b < batch; b++) for (let f = 0; f < features; f++) out.push(values[b * features + f] - means[f]);
    return out;
  }

  test('ops.mean over the batch in a functional model uses the real batch size (1, 5 and 7)', () => {
    const x = kiln.input({ shape: [3] });
    const y = kiln.ops.sub(x, kiln.ops.mean(x, 0, true));
    const model = kiln.model({ inputs: x, outputs: y });
    expect(kerasShape(y)).toEqual([null, 3]);
    for (const [batch, seed] of [[1, 5], [5, 6], [7, 7]]) {
      const data = randomTensor([batch, 3], seed, 'float32');
      const want = centered(data.dataSync() as Float32Array, batch, 3);
      expectClose(model.apply(data) as Tensor, want, [batch, 3], 1e-6, 1e-5);
      expectClose(model.predict(data, { verbose: 0, batchSize: 64 }) as Tensor, want, [batch, 3], 1e-6, 1e-5);
    }
  });

  test('a mean over all axes (batch included) gives the mean of every element', () => {
    const x = kiln.input({ shape: [2] });
    const model = kiln.model({ inputs: x, outputs: kiln.ops.mean(x) });
    for (const batch of [1, 4]) {
      const data = randomTensor([batch, 2], 10 + batch, 'float32');
      const v = Array.from(data.dataSync());
      expectClose(model.apply(data) as Tensor, [v.reduce((a, b) => a + b, 0) / v.length], [], 1e-6, 1e-5);
    }
  });

  test('a captured mean is an op-layer: a masked input is a ValueError, like any op-layer', () => {
    const ids = kiln.input({ shape: [4], dtype: 'int32' });
    const emb = new kiln.layers.Embedding({ inputDim: 5, outputDim: 2, maskZero: true }).apply(ids);
    expect(() => kiln.ops.mean(emb, 1)).toThrow(/op\.mean.*carries a mask, but automatic op-layers do not support masking/);
  });

  test('the captured mean survives a JSON round trip', () => {
    const x = kiln.input({ shape: [3] });
    const model = kiln.model({ inputs: x, outputs: kiln.ops.mean(x, 0) });
    const copy = kiln.modelFromJSON(model.toJSON());
    const data = randomTensor([5, 3], 21, 'float32');
    expectClose(copy.apply(data) as Tensor, (model.apply(data) as Tensor).dataSync(), [3]);
  });
});
