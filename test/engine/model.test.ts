import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { Model, Sequential, ShapeError, ValueError, type CallArgs, type Tensor } from '../../src/index.js';
import { randomTensor } from '../util/check.js';

const { Dense, Dropout } = kiln.layers;

function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** A subclassed model (the Keras guide's MLP written as a Model subclass). */
class Mlp extends Model<Tensor, Tensor> {
  readonly hidden = new Dense({ units: 5, activation: 'relu', name: 'mlp_hidden' });
  readonly drop = new Dropout({ rate: 0.5 });
  readonly out = new Dense({ units: 2, name: 'mlp_out' });
  override call(x: Tensor, { training }: CallArgs): Tensor {
    return this.out.apply(this.drop.apply(this.hidden.apply(x), { training }));
  }
}

describe('subclassed models', () => {
  test('a subclassed model is built on its first call, and its layers\' weights are tracked', () => {
    const m = new Mlp({ name: 'mlp' });
    expect(m.built).toBe(false);
    expect(m.weights).toHaveLength(0);
    expect(() => m.summary({ printFn: null })).toThrow('Mlp "mlp": the model has not been built yet');
    const x = randomTensor([3, 4], 1, 'float32');
    const y = m.apply(x);
    expect(m.built).toBe(true);
    expect(y.shape).toEqual([3, 2]);
    expect(m.trainableWeights.map((w) => w.name)).toEqual(['mlp_hidden/kernel', 'mlp_hidden/bias', 'mlp_out/kernel',
      'mlp_out/bias']);
    expect(m.countParams()).toBe(4 * 5 + 5 + 5 * 2 + 2);
    expect(values(y)).toEqual(values(m.out.apply(m.hidden.apply(x))));
  });

  test('layers lists the layers assigned as attributes; getLayer finds them by name', () => {
    const m = new Mlp();
    expect(m.layers.map((l) => l.constructor.name)).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(m.getLayer('mlp_out')).toBe(m.out);
  });

  test('freezing a subclassed model makes every weight non-trainable', () => {
    const m = new Mlp();
    m.apply(kiln.zeros([1, 4]));
    m.trainable = false;
    expect(m.trainableWeights).toHaveLength(0);
    expect(m.nonTrainableWeights).toHaveLength(4);
    expect(m.summary({ printFn: null })).toContain(` Non-trainable params: ${4 * 5 + 5 + 5 * 2 + 2}`);
  });

  test('gradients reach every trainable weight of a subclassed model', () => {
    const m = new Mlp();
    const x = randomTensor([2, 4], 2, 'float32');
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.ops.sum(m.apply(x, { training: false })));
    const grads = tape.gradient(loss, m.trainableWeights);
    expect(grads.map((g) => g!.shape)).toEqual(m.trainableWeights.map((w) => [...w.shape]));
  });

  test('a subclassed model can be used inside a functional model', () => {
    const m = new Mlp();
    const x = kiln.input({ shape: [4] });
    const f = kiln.model({ inputs: x, outputs: m.apply(x) });
    const data = randomTensor([2, 4], 3, 'float32');
    expect(values(f.apply(data) as Tensor)).toEqual(values(m.apply(data)));
  });
});

describe('Sequential as a Model', () => {
  test('Sequential is a Model', () => {
    expect(new Sequential()).toBeInstanceOf(Model);
  });

  test('with kiln.input() first, the model is built as layers are added, with None batch dims', () => {
    const m = new Sequential([kiln.input({ shape: [6] }), new Dense({ units: 4, name: 'first' })], { name: 'early' });
    expect(m.built).toBe(true);
    expect(m.layers.map((l) => l.name)).toEqual(['first']);
    m.add(new Dense({ units: 2, name: 'second' }));
    const text = m.summary({ printFn: null });
    expect(text).toMatch(/first \(Dense\)\s+│ \(None, 4\)\s+│\s+28 │/);
    expect(text).toMatch(/second \(Dense\)\s+│ \(None, 2\)\s+│\s+10 │/);
    const x = randomTensor([3, 6], 4, 'float32');
    expect(values(m.apply(x))).toEqual(values(m.layers[1].apply(m.layers[0].apply(x) as Tensor) as Tensor));
  });

  test('the input checks the data shape', () => {
    const m = new Sequential([kiln.input({ shape: [6], name: 'seq_in' }), new Dense({ units: 1 })]);
    expect(() => m.apply(kiln.zeros([2, 5]))).toThrow(ShapeError);
    expect(() => m.apply(kiln.zeros([2, 5]))).toThrow(/InputLayer "seq_in": expected input shape \[null, 6\], got \[2, 5\]/);
  });

  test('an input after a layer is a ValueError', () => {
    const m = new Sequential([new Dense({ units: 1 })], { name: 'late' });
    expect(() => m.add(kiln.input({ shape: [2] }))).toThrow(ValueError);
    expect(() => m.add(kiln.input({ shape: [2] }))).toThrow(/Sequential "late": an input must come first/);
  });
});
