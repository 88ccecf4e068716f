import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { Layer, Sequential, type Tensor } from '../../src/index.js';
import type { LayerWeight } from '../../src/engine/index.js';
import { randomTensor } from '../util/check.js';

const { Dense, Dropout, Flatten, Activation } = kiln.layers;

/** Deep Learning with Python, 2nd ed., listing 3.22: a dense layer written as a user layer. */
class SimpleDense extends Layer {
  readonly units: number;
  readonly activation: ((x: Tensor) => Tensor) | null;
  W: LayerWeight | null = null;
  b: LayerWeight | null = null;

  constructor(units: number, activation: string | null = null) {
    super();
    this.units = units;
    this.activation = activation ? kiln.activations.getActivation(activation) : null;
  }

  override build(inputShape: readonly (number | null)[]): void {
    const inputDim = inputShape[inputShape.length - 1]!;
    this.W = this.addWeight({ shape: [inputDim, this.units], initializer: 'randomNormal' });
    this.b = this.addWeight({ shape: [this.units], initializer: 'zeros' });
  }

  override call(inputs: Tensor): Tensor {
    const y = kiln.ops.add(kiln.ops.matmul(inputs, this.W!), this.b!);
    return this.activation ? this.activation(y) : y;
  }
}

describe('DLwP chapter 3 SimpleDense', () => {
  test('SimpleDense called on ones of shape [2, 784] gives shape [2, 32] with relu outputs', () => {
    const myDense = new SimpleDense(32, 'relu');
    const out = myDense.apply(kiln.ones([2, 784]));
    expect(out.shape).toEqual([2, 32]);
    expect(Array.from(out.dataSync()).every((v) => v >= 0)).toBe(true);
    expect(myDense.name).toBe('simple_dense');
  });

  test('stacked in a Sequential, each SimpleDense is built from the output shape of the one before', () => {
    const model = new Sequential([
      new SimpleDense(32, 'relu'), new SimpleDense(64, 'relu'), new SimpleDense(32, 'relu'),
      new SimpleDense(10, 'softmax'),
    ]);
    const x = randomTensor([3, 784], 5, 'float32');
    const y = model.apply(x);
    expect(y.shape).toEqual([3, 10]);
    const shapes = model.layers.map((l) => (l as SimpleDense).W!.shape);
    expect(shapes).toEqual([[784, 32], [32, 64], [64, 32], [32, 10]]);
    const p = y.array() as number[][];
    for (const row of p) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(model.trainableWeights).toHaveLength(8);
  });
});

describe('Sequential', () => {
  test('the output equals applying the layers one after another', () => {
    const a = new Dense({ units: 4, activation: 'tanh' });
    const b = new Dense({ units: 2 });
    const model = new Sequential([a, b]);
    const x = randomTensor([5, 3], 2, 'float32');
    const y = model.apply(x);
    expect(Array.from(y.dataSync())).toEqual(Array.from(b.apply(a.apply(x)).dataSync()));
  });

  test('add() after a call appends a layer that is built on the next call', () => {
    const model = new Sequential([new Dense({ units: 4 })]);
    model.apply(kiln.zeros([1, 3]));
    const extra = new Dense({ units: 6 });
    model.add(extra);
    expect(model.built).toBe(false);
    expect(model.apply(kiln.zeros([1, 3])).shape).toEqual([1, 6]);
    expect(extra.kernel!.shape).toEqual([4, 6]);
  });

  test('pop() removes the last layer and returns it', () => {
    const last = new Dense({ units: 2 });
    const model = new Sequential([new Dense({ units: 4 }), last]);
    model.apply(kiln.zeros([1, 3]));
    expect(model.pop()).toBe(last);
    expect(model.layers).toHaveLength(1);
    expect(model.apply(kiln.zeros([1, 3])).shape).toEqual([1, 4]);
    model.pop();
    expect(() => model.pop()).toThrow(/pop\(\) on a model with no layers/);
  });

  test('calling an empty model, adding a non-layer or a duplicate name are ValueErrors', () => {
    const model = new Sequential([], { name: 'empty' });
    expect(() => model.apply(kiln.zeros([1, 2]))).toThrow('Sequential "empty": the model has no layers; add() some before calling it');
    model.add(new Dense({ units: 1, name: 'same' }));
    expect(() => model.add(new Dense({ units: 1, name: 'same' }))).toThrow(/a layer named "same" is already in the model/);
    expect(() => model.add({} as unknown as Layer)).toThrow(/only layers can be added/);
  });

  test('the training flag reaches the layers inside (Dropout is active only in training)', () => {
    const model = new Sequential([new Dropout({ rate: 0.5, seed: 1 })]);
    const x = kiln.ones([1, 1000]);
    expect(Array.from(model.apply(x).dataSync()).every((v) => v === 1)).toBe(true);
    const y = Array.from(model.apply(x, { training: true }).dataSync());
    expect(y.some((v) => v === 0)).toBe(true);
    expect(y.every((v) => v === 0 || v === 2)).toBe(true);
  });

  test('a Sequential nested in a Sequential contributes its weights and is frozen with it', () => {
    const inner = new Sequential([new Dense({ units: 3 }), new Dense({ units: 2 })]);
    const outer = new Sequential([inner, new Dense({ units: 1 })]);
    outer.apply(kiln.zeros([2, 4]));
    expect(outer.weights).toHaveLength(6);
    expect(outer.countParams()).toBe(4 * 3 + 3 + 3 * 2 + 2 + 2 + 1);
    outer.trainable = false;
    expect(inner.layers[0].trainableWeights).toHaveLength(0);
  });

  test('summary() lists layers, output shapes and parameter counts with Keras totals', () => {
    const model = new Sequential([
      new Flatten({ name: 'flat' }), new Dense({ units: 512, activation: 'relu', name: 'hidden' }),
      new Dropout({ rate: 0.2, name: 'drop' }), new Dense({ units: 10, activation: 'softmax', name: 'out' }),
    ], { name: 'mnist' });
    model.apply(kiln.zeros([32, 28, 28]));
    const lines: string[] = [];
    const text = model.summary({ printFn: (t) => lines.push(t) });
    expect(lines).toEqual([text]);
    const row = (name: string): string => text.split('\n').find((l) => l.includes(name))!;
    expect(text.split('\n')[0]).toBe('Model: "mnist"');
    expect(row('flat (Flatten)')).toMatch(/│ flat \(Flatten\)\s+│ \(32, 784\)\s+│\s+0 │/);
    // 784·512 + 512 and 512·10 + 10, computed here rather than copied.
    const hidden = 784 * 512 + 512, out = 512 * 10 + 10;
    expect(row('hidden (Dense)')).toMatch(new RegExp(`\\(32, 512\\)\\s+│\\s+${hidden.toLocaleString('en-US')} │`));
    expect(row('out (Dense)')).toMatch(new RegExp(`\\(32, 10\\)\\s+│\\s+${out.toLocaleString('en-US')} │`));
    const mb = ((hidden + out) * 4 / 1024 / 1024).toFixed(2);
    expect(text).toContain(` Total params: ${(hidden + out).toLocaleString('en-US')} (${mb} MB)`);
    expect(text).toContain(` Trainable params: ${(hidden + out).toLocaleString('en-US')} (${mb} MB)`);
    expect(text).toContain(' Non-trainable params: 0 (0.00 B)');
  });

  test('summary() counts a frozen layer as non-trainable', () => {
    const frozen = new Dense({ units: 3, name: 'frozen' });
    const model = new Sequential([frozen, new Dense({ units: 1, name: 'head' })]);
    model.apply(kiln.zeros([1, 2]));
    frozen.trainable = false;
    const text = model.summary({ printFn: null });
    expect(text).toContain(' Trainable params: 4 (16.00 B)');
    expect(text).toContain(' Non-trainable params: 9 (36.00 B)');
    expect(text).toMatch(/\(1, 3\)/);
  });

  test('summary() of an unbuilt model is a ValueError', () => {
    const model = new Sequential([new Dense({ units: 1 })], { name: 'unbuilt_model' });
    expect(() => model.summary({ printFn: null }))
      .toThrow('Sequential "unbuilt_model": the model has not been built yet; call it on a batch of data first');
  });

  test('getConfig / fromConfig round-trips the architecture through JSON, and the rebuilt model computes the same', () => {
    const model = new Sequential([
      new Dense({ units: 4, activation: 'relu', kernelRegularizer: 'l2', name: 'd1' }),
      new Dropout({ rate: 0.3, name: 'dr' }),
      new Activation({ activation: 'tanh', name: 'act' }),
      new Dense({ units: 2, useBias: false, kernelConstraint: 'nonNeg', name: 'd2' }),
    ], { name: 'net' });
    const x = randomTensor([3, 5], 9, 'float32');
    const y = model.apply(x);
    const json = JSON.parse(JSON.stringify(kiln.serializeLayer(model)));
    const copy = kiln.deserializeLayer(json) as Sequential;
    expect(copy).toBeInstanceOf(Sequential);
    expect(copy.getConfig()).toEqual(model.getConfig());
    expect(copy.layers.map((l) => l.constructor.name)).toEqual(['Dense', 'Dropout', 'Activation', 'Dense']);
    copy.apply(x);
    copy.setWeights(model.getWeights());
    expect(Array.from(copy.apply(x).dataSync())).toEqual(Array.from(y.dataSync()));
  });
});
