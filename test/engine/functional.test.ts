import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { Layer, ShapeError, ValueError, getMask, type CallArgs, type Mask, type Tensor } from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';

const { Dense, Dropout } = kiln.layers;

function values(t: Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Concatenates a list of inputs on the last axis (a list-input layer written for these tests). */
class Concat extends Layer<Tensor[], Tensor> {
  override call(xs: Tensor[]): Tensor {
    return kiln.ops.concat(xs, -1);
  }
}

/** Masks the time steps whose features are all zero (like Keras Masking with maskValue 0). */
class MaskZeros extends Layer {
  constructor() {
    super();
    this.supportsMasking = true;
  }
  override call(x: Tensor): Tensor {
    return x;
  }
  override computeMask(x: Tensor): Mask {
    return kiln.ops.notEqual(kiln.ops.sum(kiln.ops.abs(x), -1), 0);
  }
}

/** Averages over time the steps its mask keeps (a sequence-reducing layer: the mask stops here). */
class MaskedMean extends Layer {
  override call(x: Tensor, { mask }: CallArgs): Tensor {
    const m = kiln.ops.expandDims(kiln.ops.cast(mask as Tensor, x.dtype), -1);
    return kiln.ops.div(kiln.ops.sum(kiln.ops.mul(x, m), 1), kiln.ops.sum(m, 1));
  }
}

describe('kiln.input', () => {
  test('gives a symbolic tensor whose unknown batch dim shows as -1', () => {
    const x = kiln.input({ shape: [784], name: 'pixels' });
    expect(x.isSymbolic).toBe(true);
    expect(x.shape).toEqual([-1, 784]);
    expect(x.dtype).toBe('float32');
    const fixed = kiln.input({ shape: [3, null], batchSize: 8, dtype: 'int32' });
    expect(fixed.shape).toEqual([8, 3, -1]);
    expect(fixed.dtype).toBe('int32');
  });

  test('rejects bad shapes with a ValueError or ShapeError naming the input layer', () => {
    expect(() => kiln.input({ shape: [2.5], name: 'bad_in' })).toThrow(ShapeError);
    expect(() => kiln.input({ shape: [-3], name: 'bad_in2' })).toThrow(/InputLayer "bad_in2": shape must be/);
    expect(() => kiln.input({ name: 'no_shape' })).toThrow(/give exactly one of shape and batchShape/);
  });
});

describe('layers on symbolic tensors', () => {
  test('a layer applied to a symbolic input is built from its shape and returns a symbolic output', () => {
    const x = kiln.input({ shape: [8] });
    const dense = new Dense({ units: 4 });
    const y = dense.apply(x);
    expect(y.isSymbolic).toBe(true);
    expect(y.shape).toEqual([-1, 4]);
    expect(dense.kernel!.shape).toEqual([8, 4]);
  });

  test('dims unknown in the inputs stay unknown in the outputs, known ones are kept', () => {
    const seq = kiln.input({ shape: [null, 3] });
    const y = new Dense({ units: 5 }).apply(seq);
    expect(y.shape).toEqual([-1, -1, 5]);
    const flat = kiln.ops.reshape(kiln.input({ shape: [2, 3] }), [-1, 6]);
    expect(flat.shape).toEqual([-1, 6]);
  });

  test('a dynamic layer is never traced: its computeOutputShape gives the output shape', () => {
    /** Reads values on the host, which tracing cannot do. */
    class HostScale extends Layer {
      constructor() {
        super({ dynamic: true });
      }
      override call(x: Tensor): Tensor {
        const big = Math.max(...Array.from(x.dataSync(), Math.abs));
        return kiln.ops.div(x, big);
      }
      override computeOutputShape(shape: readonly (number | null)[]): (number | null)[] {
        return [...shape];
      }
    }
    const x = kiln.input({ shape: [3] });
    const y = new HostScale().apply(x);
    expect(y.shape).toEqual([-1, 3]);
    const m = kiln.model({ inputs: x, outputs: y });
    const out = m.apply(kiln.tensor([[1, -4, 2]])) as Tensor;
    expectClose(out, [0.25, -1, 0.5], [1, 3]);
  });

  test('a layer that reads values on the host without being declared dynamic is a TraceError with the fix', () => {
    class HostRead extends Layer {
      constructor() {
        super({ name: 'host_read' });
      }
      override call(x: Tensor): Tensor {
        return x.dataSync()[0] > 0 ? x : kiln.ops.neg(x);
      }
    }
    expect(() => new HostRead().apply(kiln.input({ shape: [2] }))).toThrow(kiln.TraceError);
    expect(() => new HostRead().apply(kiln.input({ shape: [2] })))
      .toThrow(/HostRead "host_read\w*": call\(\) cannot be traced .* declare the layer dynamic: true/);
  });

  test('a dynamic layer without computeOutputShape is a ValueError naming it', () => {
    class NoShape extends Layer {
      constructor() {
        super({ dynamic: true, name: 'no_shape_layer' });
      }
      override call(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new NoShape().apply(kiln.input({ shape: [2] })))
      .toThrow('NoShape "no_shape_layer": a dynamic layer must implement computeOutputShape()');
  });

  test('mixing symbolic and concrete inputs in one layer call is a ValueError', () => {
    const x = kiln.input({ shape: [2] });
    expect(() => new Concat({ name: 'mix' }).apply([x, kiln.zeros([1, 2])]))
      .toThrow(/Concat "mix": input 1 is Tensor\(\[1, 2\] float32/);
  });
});

describe('functional models', () => {
  // The Keras guide's multi-input, multi-output model, with a shared layer, in miniature.
  function ticketModel() {
    const title = kiln.input({ shape: [6], name: 'title' });
    const body = kiln.input({ shape: [6], name: 'body' });
    const tags = kiln.input({ shape: [3], name: 'tags' });
    const encoder = new Dense({ units: 4, activation: 'tanh', name: 'shared_encoder' });
    const features = new Concat({ name: 'concat' }).apply([encoder.apply(title), encoder.apply(body), tags]);
    const priority = new Dense({ units: 1, name: 'priority' }).apply(features);
    const department = new Dense({ units: 5, activation: 'softmax', name: 'department' }).apply(features);
    const model = kiln.model({ inputs: [title, body, tags], outputs: [priority, department], name: 'tickets' });
    return { model, encoder };
  }

  test('the layers come inputs first, then in execution order, each once', () => {
    const { model } = ticketModel();
    expect(model.layers.map((l) => l.name))
      .toEqual(['title', 'body', 'tags', 'shared_encoder', 'concat', 'priority', 'department']);
    expect(model.getLayer('concat').constructor.name).toBe('Concat');
    expect(() => model.getLayer('nope')).toThrow(/Functional "tickets": no layer named "nope"/);
    expect(model.inputNames).toEqual(['title', 'body', 'tags']);
    expect(model.outputNames).toEqual(['priority', 'department']);
  });

  test('a shared layer has one weight set and one node per call', () => {
    const { model, encoder } = ticketModel();
    // kernel + bias of the encoder once, then of the two heads.
    expect(model.weights).toHaveLength(6);
    expect(model.countParams()).toBe(6 * 4 + 4 + (11 + 1) * 1 + 11 * 5 + 5);
    expect(model.summary({ printFn: null })).toContain('title[0][0], body[0][0]');
    expect(encoder.built).toBe(true);
  });

  test('outputs equal calling the layers by hand, eagerly', () => {
    const { model, encoder } = ticketModel();
    const t = randomTensor([2, 6], 1, 'float32'), b = randomTensor([2, 6], 2, 'float32');
    const g = randomTensor([2, 3], 3, 'float32');
    const [p, d] = model.apply([t, b, g]) as Tensor[];
    const f = model.getLayer('concat').apply([encoder.apply(t), encoder.apply(b), g]);
    expect(values(p)).toEqual(values(model.getLayer('priority').apply(f) as Tensor));
    expect(values(d)).toEqual(values(model.getLayer('department').apply(f) as Tensor));
    expect(p.shape).toEqual([2, 1]);
    expect(d.shape).toEqual([2, 5]);
  });

  test('inputs may be a record keyed by the input names', () => {
    const { model } = ticketModel();
    const t = randomTensor([1, 6], 4, 'float32'), b = randomTensor([1, 6], 5, 'float32');
    const g = randomTensor([1, 3], 6, 'float32');
    const fromList = model.apply([t, b, g]) as Tensor[];
    const fromRecord = model.apply({ tags: g, body: b, title: t }) as Tensor[];
    expect(fromRecord.map(values)).toEqual(fromList.map(values));
    expect(() => model.apply({ title: t, body: b })).toThrow('Functional "tickets": missing input "tags"; got keys title, body');
  });

  test('record inputs and outputs name the model\'s inputs and outputs', () => {
    const a = kiln.input({ shape: [2] }), b = kiln.input({ shape: [2] });
    const sum = kiln.ops.add(a, b), diff = kiln.ops.sub(a, b);
    const m = kiln.model({ inputs: { left: a, right: b }, outputs: { sum, diff } });
    expect(m.inputNames).toEqual(['left', 'right']);
    expect(m.outputNames).toEqual(['sum', 'diff']);
    const out = m.apply({ left: kiln.tensor([[1, 2]]), right: kiln.tensor([[10, 20]]) }) as Record<string, Tensor>;
    expect(Object.keys(out)).toEqual(['sum', 'diff']);
    const { sum: s, diff: d } = out;
    expect(values(s)).toEqual([11, 22]);
    expect(values(d)).toEqual([-9, -18]);
  });

  test('a model is a layer: nested in another model it computes what it computes alone', () => {
    const ix = kiln.input({ shape: [4] });
    const inner = kiln.model({ inputs: ix, outputs: new Dense({ units: 3, activation: 'relu' }).apply(ix), name: 'inner' });
    const ox = kiln.input({ shape: [4] });
    const head = new Dense({ units: 2 });
    const outer = kiln.model({ inputs: ox, outputs: head.apply(inner.apply(ox) as Tensor), name: 'outer' });
    expect(outer.layers.map((l) => l.name)).toEqual([outer.layers[0].name, 'inner', head.name]);
    expect(outer.weights).toHaveLength(4);
    const x = randomTensor([5, 4], 7, 'float32');
    const y = outer.apply(x) as Tensor;
    expect(values(y)).toEqual(values(head.apply(inner.apply(x) as Tensor)));
    // The same inner model applied twice shares its weights.
    const twice = kiln.model({ inputs: ix, outputs: kiln.ops.add(inner.apply(ix) as Tensor, inner.apply(ix) as Tensor) });
    const z = twice.apply(x) as Tensor;
    const once = inner.apply(x) as Tensor;
    expectClose(z, values(once).map((v) => 2 * v), [5, 3]);
  });

  test('raw ops on symbolic tensors become op-layers that compute the op', () => {
    const x = kiln.input({ shape: [3] });
    const y = kiln.ops.add(kiln.ops.mul(x, 2), 1);
    const m = kiln.model({ inputs: x, outputs: y });
    expect(m.layers.map((l) => l.constructor.name)).toEqual(['InputLayer', 'OpLayer', 'OpLayer']);
    const data = [0.5, -1, 3, 2, 0, -7];
    const out = m.apply(kiln.tensor(data, [2, 3])) as Tensor;
    expectClose(out, data.map((v) => 2 * v + 1), [2, 3], 1e-6);
  });

  test('common raw ops on symbolic tensors compute, for any batch size, what they compute eagerly', () => {
    const cases: [string, (t: Tensor) => Tensor][] = [
      ['reshape with -1', (t) => kiln.ops.reshape(t, [-1, 6])],
      ['mean over a known axis', (t) => kiln.ops.mean(t, -1)],
      ['softmax', (t) => kiln.ops.softmax(t)],
      ['transpose', (t) => kiln.ops.transpose(t, [0, 2, 1])],
      ['broadcasting add', (t) => kiln.ops.add(t, kiln.ops.sum(t, -1, true))],
      ['matmul by a constant', (t) => kiln.ops.matmul(t, kiln.tensor([1, 2, 3, 4, 5, 6], [3, 2]))],
      ['concat', (t) => kiln.ops.concat([t, kiln.ops.square(t)], 1)],
    ];
    for (const [what, f] of cases) {
      const x = kiln.input({ shape: [2, 3] });
      const m = kiln.model({ inputs: x, outputs: f(x) });
      for (const n of [1, 5]) {
        const data = randomTensor([n, 2, 3], n, 'float32');
        const want = f(data);
        expect((m.apply(data) as Tensor).shape, what).toEqual(want.shape);
        expectClose(m.apply(data) as Tensor, values(want), want.shape, 1e-6, 1e-6);
      }
    }
  });

  test('trainable: false freezes every layer of the graph', () => {
    const x = kiln.input({ shape: [2] });
    const inner = new Dense({ units: 3 });
    const m = kiln.model({ inputs: x, outputs: new Dense({ units: 1 }).apply(inner.apply(x)), trainable: false });
    expect(m.trainableWeights).toHaveLength(0);
    expect(m.nonTrainableWeights).toHaveLength(4);
    expect(inner.trainableWeights).toHaveLength(0);
  });

  test('the model is batch-agnostic: any batch size runs', () => {
    const x = kiln.input({ shape: [2] });
    const m = kiln.model({ inputs: x, outputs: new Dense({ units: 3 }).apply(x) });
    for (const n of [1, 2, 3, 7, 0]) expect((m.apply(kiln.zeros([n, 2])) as Tensor).shape).toEqual([n, 3]);
  });

  test('the training flag reaches the layers (dropout is the identity in inference)', () => {
    const x = kiln.input({ shape: [50] });
    const m = kiln.model({ inputs: x, outputs: new Dropout({ rate: 0.5 }).apply(x) });
    const data = kiln.ones([4, 50]);
    expect(values(m.apply(data) as Tensor)).toEqual(values(data));
    const trained = values(m.apply(data, { training: true }) as Tensor);
    expect(trained.some((v) => v === 0)).toBe(true);
    expect(trained.every((v) => v === 0 || Math.abs(v - 2) < 1e-6)).toBe(true);
  });

  test('gradients through a functional model match finite differences', () => {
    const a = kiln.input({ shape: [3], dtype: 'float64' }), b = kiln.input({ shape: [3], dtype: 'float64' });
    const shared = new Dense({ units: 2, activation: 'tanh', dtype: 'float64' });
    const y = kiln.ops.mul(shared.apply(a), shared.apply(b));
    const m = kiln.model({ inputs: [a, b], outputs: y });
    checkGradients((p, q) => m.apply([p, q]) as Tensor, [randomTensor([2, 3], 8), randomTensor([2, 3], 9)]);
  });
});

describe('masks in functional models', () => {
  function maskedModel() {
    const x = kiln.input({ shape: [4, 2] });
    const masked = new MaskZeros().apply(x);
    const h = new Dense({ units: 3, name: 'per_step' }).apply(masked);
    const out = new MaskedMean().apply(h);
    return { model: kiln.model({ inputs: x, outputs: out }), h, out };
  }

  test('symbolic tensors carry the mask metadata of layers that support masking', () => {
    const { h, out } = maskedModel();
    expect(getMask(h)).not.toBeNull();
    expect(getMask(h)!.shape).toEqual([-1, 4]);
    expect(getMask(out)).toBeNull();
  });

  test('masks propagate through the model when it runs, and masked steps are left out', () => {
    const { model } = maskedModel();
    // Sample 0 keeps steps 0 and 2, sample 1 keeps steps 1, 2 and 3.
    const data = [1, 2, 0, 0, -1, 0.5, 0, 0, 0, 0, 3, 1, 2, -2, 0.25, 0.5];
    const x = kiln.tensor(data, [2, 4, 2]);
    const out = model.apply(x) as Tensor;
    const dense = model.getLayer('per_step') as InstanceType<typeof Dense>;
    const w = dense.kernel!.read().dataSync(), bias = dense.bias!.read().dataSync();
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) {
      const acc = [0, 0, 0];
      let kept = 0;
      for (let t = 0; t < 4; t++) {
        const f = [data[n * 8 + t * 2], data[n * 8 + t * 2 + 1]];
        if (f[0] === 0 && f[1] === 0) continue;
        kept++;
        for (let u = 0; u < 3; u++) acc[u] += f[0] * w[u] + f[1] * w[3 + u] + bias[u];
      }
      expected.push(...acc.map((v) => v / kept));
    }
    expectClose(out, expected, [2, 3], 1e-5, 1e-5);
  });

  test('passing a masked tensor to an op-layer is a ValueError', () => {
    const x = kiln.input({ shape: [4, 2] });
    const masked = new MaskZeros().apply(x);
    expect(() => kiln.ops.exp(masked)).toThrow(ValueError);
    expect(() => kiln.ops.exp(masked)).toThrow(/automatic op-layers do not support masking/);
  });
});

describe('functional model errors', () => {
  test('an output that needs an input not given is a graph-disconnected ValueError', () => {
    const a = kiln.input({ shape: [2], name: 'given' }), b = kiln.input({ shape: [2], name: 'forgotten' });
    const y = new Concat().apply([a, b]);
    expect(() => kiln.model({ inputs: a, outputs: y, name: 'broken' }))
      .toThrow(/Functional "broken": graph disconnected: layer "concat\w*" needs input "forgotten" \(None, 2\)/);
  });

  test('inputs must come from kiln.input() and outputs must be symbolic', () => {
    const a = kiln.input({ shape: [2] });
    const h = new Dense({ units: 2 }).apply(a);
    expect(() => kiln.model({ inputs: h, outputs: h, name: 'mid' })).toThrow(/Functional "mid": input 0 must come from kiln.input\(\)/);
    expect(() => kiln.model({ inputs: a, outputs: kiln.zeros([1, 2]), name: 'conc' }))
      .toThrow(/Functional "conc": outputs must be symbolic tensors/);
  });

  test('calling with a wrongly shaped input is a ShapeError naming the model and the input', () => {
    const a = kiln.input({ shape: [784], name: 'image' });
    const m = kiln.model({ inputs: a, outputs: new Dense({ units: 2 }).apply(a), name: 'clf' });
    expect(() => m.apply(kiln.zeros([3, 28])))
      .toThrow('Functional "clf": input "image" expects shape (None, 784), got (3, 28)');
    expect(() => m.apply([kiln.zeros([1, 784]), kiln.zeros([1, 784])])).toThrow(/expects 1 input\(s\), got 2/);
  });

  test('two layers with the same name in one model are a ValueError', () => {
    const a = kiln.input({ shape: [2] });
    const y = new Dense({ units: 2, name: 'twin' }).apply(new Dense({ units: 2, name: 'twin' }).apply(a));
    expect(() => kiln.model({ inputs: a, outputs: y })).toThrow(/the name "twin" is used by 2 layers/);
  });
});

describe('functional summary', () => {
  test('summary() shows the Keras functional table with None batch dims and connections', () => {
    const a = kiln.input({ shape: [8], name: 'features' });
    const h = new Dense({ units: 16, name: 'hidden' }).apply(a);
    const out = new Dense({ units: 1, name: 'score' }).apply(h);
    const m = kiln.model({ inputs: a, outputs: out, name: 'scorer' });
    const text = m.summary({ printFn: null });
    const lines = text.split('\n');
    expect(lines[0]).toBe('Model: "scorer"');
    expect(lines[2]).toMatch(/┃ Layer \(type\)\s+┃ Output Shape\s+┃\s+Param # ┃ Connected to\s+┃/);
    const row = (name: string): string => lines.find((l) => l.includes(name))!;
    expect(row('features (InputLayer)')).toMatch(/│ \(None, 8\)\s+│\s+0 │ -\s+│/);
    expect(row('hidden (Dense)')).toMatch(new RegExp(`│ \\(None, 16\\)\\s+│\\s+${8 * 16 + 16} │ features\\[0\\]\\[0\\]\\s+│`));
    expect(row('score (Dense)')).toMatch(new RegExp(`│ \\(None, 1\\)\\s+│\\s+${16 + 1} │ hidden\\[0\\]\\[0\\]\\s+│`));
    expect(text).toContain(` Total params: ${8 * 16 + 16 + 17}`);
  });
});
