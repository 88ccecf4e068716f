import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import {
  Functional, Layer, Model, Sequential, ValueError, registerLayer, type Config, type LayerOptions, type Tensor,
} from '../../src/index.js';
import { randomTensor } from '../util/check.js';

const { Dense, Dropout, Activation } = kiln.layers;

function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** A registered custom layer with its own config (a scaled tanh). */
class ScaledTanh extends Layer {
  readonly scale: number;
  constructor(options: LayerOptions & { scale: number }) {
    super(options);
    this.scale = options.scale;
  }
  override call(x: Tensor): Tensor {
    return kiln.ops.mul(kiln.ops.tanh(x), this.scale);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), scale: this.scale };
  }
}
registerLayer(ScaledTanh);

/** Concatenates its list of inputs on the last axis. */
class Concat2 extends Layer<Tensor[], Tensor> {
  override call(xs: Tensor[]): Tensor {
    return kiln.ops.concat(xs, -1);
  }
}
registerLayer(Concat2);

// Copies the weights (same order in both models) and checks that the outputs agree on random data. A model
// without an input is built by its first call, as in Keras.
function expectSameOutputs(a: Model, b: Model, inputs: Tensor | Tensor[]): void {
  if (!b.built) b.apply(inputs);
  b.setWeights(a.getWeights());
  const ya = a.apply(inputs), yb = b.apply(inputs);
  const la = Array.isArray(ya) ? ya : [ya], lb = Array.isArray(yb) ? yb : [yb];
  expect(lb.map(values)).toEqual(la.map(values));
}

function graphModel(): Functional {
  const a = kiln.input({ shape: [4], name: 'left' }), b = kiln.input({ shape: [4], name: 'right' });
  const shared = new Dense({ units: 3, activation: 'relu', name: 'shared' });
  const ix = kiln.input({ shape: [6] });
  const inner = kiln.model({ inputs: ix, outputs: new ScaledTanh({ scale: 2.5, name: 'squash' }).apply(ix), name: 'inner' });
  const merged = new Concat2({ name: 'merge' }).apply([shared.apply(a), shared.apply(b)]);
  const y1 = new Dense({ units: 2, name: 'head' }).apply(inner.apply(merged) as Tensor);
  const y2 = kiln.ops.sub(kiln.ops.mul(merged, 3), 1);
  return kiln.model({ inputs: [a, b], outputs: [y1, y2], name: 'graph' });
}

describe('architecture JSON', () => {
  test('a functional model with shared layers, a nested model, op-layers and a custom layer round-trips', () => {
    const model = graphModel();
    const json = model.toJSON();
    const copy = kiln.modelFromJSON(json);
    expect(copy).toBeInstanceOf(Functional);
    expect(copy).not.toBe(model);
    expect(copy.toJSON()).toBe(json);
    const c = copy as Functional;
    expect(c.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    expect(c.getLayer('shared')).not.toBe(model.getLayer('shared'));
    expect(c.weights.map((w) => w.shape)).toEqual(model.weights.map((w) => w.shape));
    expectSameOutputs(model, c, [randomTensor([3, 4], 1, 'float32'), randomTensor([3, 4], 2, 'float32')]);
  });

  test('the JSON names each layer\'s nodes by [layer, node, tensor] as Keras configs do', () => {
    const config = (JSON.parse(graphModel().toJSON()) as { config: Config }).config;
    const layers = config.layers as Config[];
    const merge = layers.find((l) => l.name === 'merge')!;
    expect(merge.inboundNodes).toEqual([{ args: [['shared', 0, 0], ['shared', 1, 0]], list: true }]);
    expect(layers.find((l) => l.name === 'shared')!.inboundNodes)
      .toEqual([{ args: [['left', 0, 0]], list: false }, { args: [['right', 0, 0]], list: false }]);
    expect(config.inputLayers).toEqual([['left', 0, 0], ['right', 0, 0]]);
  });

  test('record inputs and outputs survive the round trip', () => {
    const a = kiln.input({ shape: [2] }), b = kiln.input({ shape: [2] });
    const m = kiln.model({ inputs: { x: a, y: b }, outputs: { total: kiln.ops.add(a, b) } });
    const copy = kiln.modelFromJSON(m.toJSON()) as Functional;
    expect(copy.inputNames).toEqual(['x', 'y']);
    expect(copy.outputNames).toEqual(['total']);
    const { total: t } = copy.apply({ x: kiln.tensor([[1, 2]]), y: kiln.tensor([[3, 5]]) }) as Record<string, Tensor>;
    expect(values(t)).toEqual([4, 7]);
  });

  test('a training flag given to a layer call is kept', () => {
    const x = kiln.input({ shape: [20] });
    const m = kiln.model({ inputs: x, outputs: new Dropout({ rate: 0.5 }).apply(x, { training: true }) });
    const copy = kiln.modelFromJSON(m.toJSON());
    const out = values(copy.apply(kiln.ones([2, 20])) as Tensor);
    expect(out.some((v) => v === 0)).toBe(true);
  });

  test('a Sequential model round-trips, with or without an input', () => {
    const plain = new Sequential([new Dense({ units: 3, name: 's1' }), new Activation({ activation: 'tanh' }),
      new Dense({ units: 1, name: 's2' })], { name: 'plain' });
    const x = randomTensor([2, 5], 3, 'float32');
    plain.apply(x);
    const copy = kiln.modelFromJSON(plain.toJSON()) as Sequential;
    expect(copy).toBeInstanceOf(Sequential);
    expect(copy.toJSON()).toBe(plain.toJSON());
    expectSameOutputs(plain, copy, x);

    const withInput = new Sequential([kiln.input({ shape: [5], name: 'seq_input' }), new Dense({ units: 2 })]);
    const copy2 = kiln.modelFromJSON(withInput.toJSON()) as Sequential;
    expect(copy2.built).toBe(true);
    expect(copy2.toJSON()).toBe(withInput.toJSON());
    expectSameOutputs(withInput, copy2, x);
  });

  test('a Sequential nested in a functional model round-trips', () => {
    const x = kiln.input({ shape: [5] });
    const stack = new Sequential([new Dense({ units: 4 }), new Dense({ units: 2 })], { name: 'stack' });
    const m = kiln.model({ inputs: x, outputs: kiln.ops.relu(stack.apply(x)) });
    const copy = kiln.modelFromJSON(m.toJSON());
    expect(copy.toJSON()).toBe(m.toJSON());
    expectSameOutputs(m, copy, randomTensor([3, 5], 4, 'float32'));
  });

  test('bad JSON, unknown classes and plain layers are ValueErrors', () => {
    expect(() => kiln.modelFromJSON('{not json')).toThrow(/modelFromJSON: the text is not JSON/);
    expect(() => kiln.modelFromJSON({ layers: [] })).toThrow(/modelFromJSON: expected \{className, config\}/);
    expect(() => kiln.modelFromJSON({ className: 'NoSuchModel', config: {} })).toThrow(/unknown layer "NoSuchModel"/);
    const dense = JSON.stringify(kiln.serializeLayer(new Dense({ units: 1 })));
    expect(() => kiln.modelFromJSON(dense)).toThrow(ValueError);
    expect(() => kiln.modelFromJSON(dense)).toThrow(/Dense is a layer, not a model/);
  });

  test('an unregistered custom layer cannot be serialized', () => {
    class Unregistered extends Layer {
      override call(x: Tensor): Tensor {
        return x;
      }
    }
    const x = kiln.input({ shape: [2] });
    const m = kiln.model({ inputs: x, outputs: new Unregistered().apply(x) });
    expect(() => m.toJSON()).toThrow(/class Unregistered is not registered as a layer/);
  });
});
