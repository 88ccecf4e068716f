import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { Layer, Sequential, type CallArgs, type Tensor } from '../../src/index.js';
import { randomTensor } from '../util/check.js';

const { Dense, Dropout } = kiln.layers;

/** A layer that records how it was built and called. */
class Probe extends Layer {
  builtWith: (number | null)[] | null = null;
  lastTraining: boolean | null = null;
  override build(inputShape: readonly (number | null)[]): void {
    this.builtWith = [...inputShape];
  }
  override call(x: Tensor, { training }: CallArgs): Tensor {
    this.lastTraining = training;
    return x;
  }
}

/** A layer holding sublayers as attributes and in an array. */
class Block extends Layer {
  readonly first = new Dense({ units: 3 });
  readonly rest = [new Dense({ units: 2 }), new Dense({ units: 1 })];
  readonly scale = this.addWeight({ name: 'scale', shape: [1], initializer: 'ones' });
  readonly counter = this.addWeight({ name: 'counter', shape: [], initializer: 'zeros', trainable: false });
  override call(x: Tensor, args: CallArgs): Tensor {
    let y = this.first.apply(x, args);
    for (const d of this.rest) y = d.apply(y, args);
    return kiln.ops.mul(y, this.scale);
  }
}

describe('naming', () => {
  test('automatic names are the snake_case class name, numbered per class as Keras does', () => {
    class SimpleThing extends Probe {}
    class Conv9D extends Probe {}
    expect([new SimpleThing().name, new SimpleThing().name, new SimpleThing().name])
      .toEqual(['simple_thing', 'simple_thing_1', 'simple_thing_2']);
    expect(new Conv9D().name).toBe('conv9d');
    expect(new SimpleThing({ name: 'mine' }).name).toBe('mine');
  });

  test('weights are named by their path in the layer', () => {
    const d = new Dense({ units: 2, name: 'fc' });
    d.apply(kiln.zeros([1, 3]));
    expect(d.weights.map((w) => w.name)).toEqual(['fc/kernel', 'fc/bias']);
  });
});

describe('build', () => {
  test('a layer is built lazily, once, from the shape of its first input', () => {
    const p = new Probe();
    expect(p.built).toBe(false);
    p.apply(kiln.zeros([4, 7]));
    expect(p.built).toBe(true);
    expect(p.builtWith).toEqual([4, 7]);
    p.builtWith = null;
    p.apply(kiln.zeros([2, 7]));
    expect(p.builtWith).toBeNull();
  });

  test('Dense creates its kernel from the last input axis on first call', () => {
    const d = new Dense({ units: 5 });
    expect(d.weights).toHaveLength(0);
    d.apply(kiln.zeros([3, 8]));
    expect(d.kernel!.shape).toEqual([8, 5]);
    expect(d.bias!.shape).toEqual([5]);
    expect(d.countParams()).toBe(8 * 5 + 5);
  });

  test('countParams on an unbuilt layer is a ValueError naming the layer', () => {
    const d = new Dense({ units: 5, name: 'unbuilt' });
    expect(() => d.countParams()).toThrow(kiln.ValueError);
    expect(() => d.countParams()).toThrow(/Dense "unbuilt".*built/);
  });
});

describe('inputSpec', () => {
  test('calling a Dense built for 784 features on 28 features names the layer, the axis and the shape', () => {
    const d = new Dense({ units: 10, name: 'dense_784' });
    d.apply(kiln.zeros([2, 784]));
    const bad = (): unknown => d.apply(kiln.zeros([32, 28]));
    expect(bad).toThrow(kiln.ShapeError);
    expect(bad).toThrow('Dense "dense_784": expected axis -1 of input to have size 784, got 28 (input shape [32, 28])');
  });

  test('Dense rejects rank-1 input before building', () => {
    const d = new Dense({ units: 3, name: 'rank_check' });
    expect(() => d.apply(kiln.zeros([5]))).toThrow('Dense "rank_check": expected input of rank ≥ 2, got rank 1 (input shape [5])');
    expect(d.built).toBe(false);
  });

  test('ndim, maxNdim, dtype and shape specs are checked with clear errors', () => {
    const p = new Probe({ name: 'spec' });
    p.inputSpec = new kiln.layers.InputSpec({ ndim: 3 });
    expect(() => p.apply(kiln.zeros([2, 2]))).toThrow(/Probe "spec": expected input of rank 3, got rank 2/);
    p.inputSpec = new kiln.layers.InputSpec({ maxNdim: 2 });
    expect(() => p.apply(kiln.zeros([1, 2, 3]))).toThrow(/rank ≤ 2, got rank 3/);
    p.inputSpec = new kiln.layers.InputSpec({ shape: [null, 4] });
    expect(() => p.apply(kiln.zeros([3, 5]))).toThrow('Probe "spec": expected input shape [null, 4], got [3, 5]');
    expect(() => p.apply(kiln.zeros([3, 4]))).not.toThrow();
    const ints = new Probe({ name: 'ints', dtype: 'int32' });
    ints.inputSpec = new kiln.layers.InputSpec({ dtype: 'int32' });
    expect(() => ints.apply(kiln.zeros([2], 'bool'))).toThrow(kiln.ValueError);
    expect(() => ints.apply(kiln.zeros([2], 'bool'))).toThrow(/expected input of dtype int32, got bool/);
  });

  test('a list of specs checks the number of inputs', () => {
    class Pair extends Layer<Tensor[], Tensor> {
      override call(xs: Tensor[]): Tensor {
        return kiln.ops.add(xs[0], xs[1]);
      }
    }
    const p = new Pair({ name: 'pair' });
    p.inputSpec = [new kiln.layers.InputSpec({ ndim: 1 }), new kiln.layers.InputSpec({ ndim: 1 })];
    expect(() => p.apply([kiln.zeros([2])])).toThrow('Pair "pair": expects 2 input(s), got 1');
    expect(() => p.apply([kiln.zeros([2]), kiln.zeros([2, 1])]))
      .toThrow('Pair "pair": expected input 1 of rank 1, got rank 2 (input 1 shape [2, 1])');
  });

  test('inputs that are not tensors are a ValueError naming the layer', () => {
    const p = new Probe({ name: 'nt' });
    expect(() => p.apply(3 as unknown as Tensor)).toThrow('Probe "nt": inputs must be tensors, got number');
  });

  test('floating inputs are cast to the layer dtype', () => {
    const d = new Dense({ units: 2, dtype: 'float64' });
    const y = d.apply(kiln.ones([1, 3], 'float32'));
    expect(y.dtype).toBe('float64');
    expect(d.kernel!.dtype).toBe('float64');
  });
});

describe('weights', () => {
  test('weights of nested layers are tracked in order: own (trainable first), then attributes, then arrays', () => {
    const b = new Block({ name: 'block' });
    b.apply(kiln.zeros([2, 4]));
    const names = b.weights.map((w) => w.name);
    expect(names).toEqual([
      'block/scale', 'block/counter',
      `${b.first.name}/kernel`, `${b.first.name}/bias`,
      `${b.rest[0].name}/kernel`, `${b.rest[0].name}/bias`,
      `${b.rest[1].name}/kernel`, `${b.rest[1].name}/bias`,
    ]);
    expect(b.trainableWeights.map((w) => w.name)).toEqual(names.filter((n) => n !== 'block/counter'));
    expect(b.nonTrainableWeights.map((w) => w.name)).toEqual(['block/counter']);
    expect(b.countParams()).toBe(1 + 1 + (4 * 3 + 3) + (3 * 2 + 2) + (2 + 1));
  });

  test('a layer held twice is counted once', () => {
    class Tied extends Layer {
      readonly a = new Dense({ units: 2 });
      readonly again = [this.a];
      override call(x: Tensor): Tensor {
        return this.a.apply(x);
      }
    }
    const t = new Tied();
    t.apply(kiln.zeros([1, 2]));
    expect(t.weights).toHaveLength(2);
  });

  test('trainable = false freezes a layer and everything nested in it, and unfreezing restores it', () => {
    const b = new Block();
    b.apply(kiln.zeros([2, 4]));
    const all = b.weights.length;
    b.trainable = false;
    expect(b.trainableWeights).toHaveLength(0);
    expect(b.nonTrainableWeights).toHaveLength(all);
    expect(b.first.trainable).toBe(false);
    expect(b.rest[1].trainableWeights).toHaveLength(0);
    // Frozen variables are not watched by tapes: no gradient reaches them.
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.ops.sum(b.apply(kiln.ones([2, 4]))));
    expect(tape.gradient(loss, b.first.kernel!)).toBeNull();
    b.trainable = true;
    expect(b.trainableWeights).toHaveLength(all - 1);
    expect(b.rest[1].trainable).toBe(true);
  });

  test('freezing only a nested layer leaves its siblings trainable', () => {
    const b = new Block();
    b.apply(kiln.zeros([1, 4]));
    b.rest[0].trainable = false;
    const frozen = new Set(b.rest[0].weights);
    expect(b.trainableWeights.some((w) => frozen.has(w))).toBe(false);
    expect(b.trainableWeights).toHaveLength(b.weights.length - 1 - frozen.size);
  });

  test('weights added to a frozen layer start frozen', () => {
    const d = new Dense({ units: 2, trainable: false });
    d.apply(kiln.zeros([1, 3]));
    expect(d.trainableWeights).toHaveLength(0);
    expect(d.kernel!.trainable).toBe(false);
  });

  test('getWeights / setWeights round-trip values, and getWeights returns copies', () => {
    const a = new Dense({ units: 3 });
    const b = new Dense({ units: 3 });
    const x = randomTensor([2, 4], 1, 'float32');
    a.apply(x);
    b.apply(x);
    const saved = a.getWeights();
    b.setWeights(saved);
    expect(b.apply(x).dataSync()).toEqual(a.apply(x).dataSync());
    const before = Array.from(saved[0].dataSync());
    a.setWeights([kiln.zeros([4, 3]), kiln.ones([3])]);
    expect(Array.from(saved[0].dataSync())).toEqual(before);
    expect(Array.from(a.apply(x).dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
  });

  test('setWeights with a wrong count or shape is an error naming the layer and weight', () => {
    const d = new Dense({ units: 3, name: 'sw' });
    d.apply(kiln.zeros([1, 4]));
    expect(() => d.setWeights([kiln.zeros([4, 3])])).toThrow('Dense "sw": setWeights expected 2 weights, got 1');
    expect(() => d.setWeights([kiln.zeros([3, 4]), kiln.zeros([3])])).toThrow(kiln.ShapeError);
    expect(() => d.setWeights([kiln.zeros([3, 4]), kiln.zeros([3])]))
      .toThrow('Dense "sw": setWeights: weight 0 "sw/kernel" has shape [4, 3], got [3, 4]');
  });

  test('addWeight rejects a bad shape', () => {
    class Bad extends Layer {
      override build(): void {
        this.addWeight({ name: 'w', shape: [2, -1] });
      }
      override call(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Bad({ name: 'bad' }).apply(kiln.zeros([1]))).toThrow(/Bad "bad": addWeight "w": shape/);
  });
});

describe('losses', () => {
  class Penalized extends Layer {
    override call(x: Tensor): Tensor {
      this.addLoss(kiln.ops.sum(x));
      return x;
    }
  }

  test('losses added in call are reset at each outer call, including those of nested layers', () => {
    class Outer extends Layer {
      readonly inner = new Penalized();
      override call(x: Tensor): Tensor {
        this.addLoss(kiln.scalar(100));
        return this.inner.apply(x);
      }
    }
    const o = new Outer();
    o.apply(kiln.ones([2]));
    expect(o.losses.map((l) => l.item())).toEqual([100, 2]);
    o.apply(kiln.ones([3]));
    expect(o.losses.map((l) => l.item())).toEqual([100, 3]);
    expect(o.inner.losses.map((l) => l.item())).toEqual([3]);
  });

  test('weight regularizers add their penalty of the current values to losses', () => {
    const d = new Dense({ units: 2, kernelRegularizer: 'l2', biasRegularizer: new kiln.regularizers.L1({ l1: 0.5 }) });
    d.apply(kiln.zeros([1, 2]));
    d.setWeights([kiln.tensor([[1, 2], [3, -4]]), kiln.tensor([-1, 3])]);
    const losses = d.losses.map((l) => l.item());
    expect(losses[0]).toBeCloseTo(0.01 * (1 + 4 + 9 + 16), 6);
    expect(losses[1]).toBeCloseTo(0.5 * 4, 6);
    // Values are read at each access: the penalty follows the weights.
    d.setWeights([kiln.zeros([2, 2]), kiln.zeros([2])]);
    expect(d.losses.map((l) => l.item())).toEqual([0, 0]);
  });

  test('regularizers of frozen weights are not counted (Keras 3)', () => {
    const d = new Dense({ units: 2, kernelRegularizer: 'l1' });
    d.apply(kiln.ones([1, 2]));
    expect(d.losses).toHaveLength(1);
    d.trainable = false;
    expect(d.losses).toHaveLength(0);
  });

  test('regularization losses have gradients with respect to the weights', () => {
    const d = new Dense({ units: 1, useBias: false, kernelRegularizer: new kiln.regularizers.L2({ l2: 0.5 }) });
    d.apply(kiln.zeros([1, 2]));
    d.setWeights([kiln.tensor([[3], [-2]])]);
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => d.losses[0]);
    expect(Array.from(tape.gradient(loss, d.kernel!)!.dataSync())).toEqual([3, -2]);
  });

  test('a zero-argument loss function is evaluated whenever losses are read and survives calls', () => {
    const p = new Probe();
    let k = 1;
    p.addLoss(() => kiln.scalar(k));
    p.apply(kiln.zeros([1]));
    k = 5;
    expect(p.losses.map((l) => l.item())).toEqual([5]);
  });

  test('an activity regularizer adds its penalty of the outputs divided by the batch size', () => {
    const d = new Dense({ units: 2, kernelInitializer: 'ones', activityRegularizer: new kiln.regularizers.L1({ l1: 1 }) });
    d.apply(kiln.tensor([[1, 2], [3, 4], [0, 0]]));
    // outputs: rows sum to 3, 7, 0 in both units → Σ|y| = 20, over batch 3.
    expect(d.losses[0].item()).toBeCloseTo(20 / 3, 5);
    expect(d.getConfig().activityRegularizer).toEqual({ className: 'L1', config: { l1: 1 } });
  });

  test('addLoss rejects values that are neither tensors nor functions', () => {
    const p = new Probe({ name: 'p' });
    expect(() => p.addLoss(3 as unknown as Tensor)).toThrow(/Probe "p": addLoss expects a tensor or a function/);
  });
});

describe('metrics', () => {
  class Reporter extends Layer {
    constructor(readonly metricName: string, options = {}) {
      super(options);
    }
    override call(x: Tensor): Tensor {
      this.addMetric(kiln.ops.mean(x), { name: this.metricName });
      return x;
    }
  }

  test('addMetric keeps a running mean across calls', () => {
    const r = new Reporter('activation_mean');
    r.apply(kiln.tensor([1, 3]));
    r.apply(kiln.tensor([6]));
    expect(r.metrics.map((m) => m.name)).toEqual(['activation_mean']);
    expect(r.metrics[0].result().item()).toBeCloseTo(4, 6);
    r.metrics[0].resetState();
    expect(r.metrics[0].result().item()).toBe(0);
  });

  test('two layers adding a metric of the same name in one call is a name-collision error', () => {
    const model = new Sequential([new Reporter('m', { name: 'r1' }), new Reporter('m', { name: 'r2' })]);
    const call = (): unknown => model.apply(kiln.ones([2]));
    expect(call).toThrow(kiln.ValueError);
    expect(call).toThrow('Reporter "r2": a metric named "m" was already added in this call by Reporter "r1"; ' +
      'please provide different names for the metrics you add');
  });

  test('layers whose metrics share a name are reported when metrics are collected', () => {
    const a = new Reporter('shared', { name: 'ra' });
    const b = new Reporter('shared', { name: 'rb' });
    a.apply(kiln.ones([1]));
    b.apply(kiln.ones([1]));
    class Both extends Layer {
      readonly parts = [a, b];
      override call(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Both().metrics).toThrow(/found 2 metrics named "shared"/);
  });

  test('addMetric without a name or with another aggregation is a ValueError', () => {
    const p = new Probe({ name: 'pm' });
    expect(() => p.addMetric(kiln.scalar(1), { name: '' })).toThrow(/Probe "pm": addMetric needs a name/);
    expect(() => p.addMetric(kiln.scalar(1), { name: 'x', aggregation: 'sum' as 'mean' })).toThrow(/aggregation/);
  });
});

describe('training flag', () => {
  test('training defaults to the global learning phase, which is false unless set', () => {
    const p = new Probe();
    p.apply(kiln.zeros([1]));
    expect(p.lastTraining).toBe(false);
    kiln.setLearningPhase(true);
    try {
      p.apply(kiln.zeros([1]));
      expect(p.lastTraining).toBe(true);
      p.apply(kiln.zeros([1]), { training: false });
      expect(p.lastTraining).toBe(false);
    } finally {
      kiln.setLearningPhase(false);
    }
    expect(kiln.learningPhase()).toBe(false);
  });

  test('nested layers inherit training from the outer call', () => {
    class Wrapper extends Layer {
      readonly probe = new Probe();
      override call(x: Tensor): Tensor {
        return this.probe.apply(x);
      }
    }
    const w = new Wrapper();
    w.apply(kiln.zeros([1]), { training: true });
    expect(w.probe.lastTraining).toBe(true);
    w.apply(kiln.zeros([1]));
    expect(w.probe.lastTraining).toBe(false);
  });
});

describe('masks', () => {
  class MakeMask extends Layer {
    constructor() {
      super();
      this.supportsMasking = true;
    }
    override call(x: Tensor): Tensor {
      return kiln.ops.mul(x, 1);
    }
    override computeMask(x: Tensor): Tensor {
      return kiln.ops.notEqual(x, 0);
    }
  }
  class SeeMask extends Probe {
    seen: unknown = undefined;
    override call(x: Tensor, args: CallArgs): Tensor {
      this.seen = args.mask;
      return kiln.ops.mul(x, 2);
    }
  }

  test('masks pass through layers that support masking and reach the next layer', () => {
    const source = new MakeMask();
    const see = new SeeMask();
    const model = new Sequential([source, new Dropout({ rate: 0.5 }), new kiln.layers.Activation({ activation: 'relu' }), see]);
    const y = model.apply(kiln.tensor([[0, 1, 2]]));
    expect((see.seen as Tensor).array()).toEqual([[false, true, true]]);
    // SeeMask does not support masking: the mask stops there.
    expect(kiln.getMask(y)).toBeNull();
  });

  test('an explicit mask overrides the metadata of the input', () => {
    const see = new SeeMask();
    const explicit = kiln.tensor([true, false]);
    see.apply(kiln.zeros([2]), { mask: explicit });
    expect(see.seen).toBe(explicit);
  });
});

describe('tracing', () => {
  test('a layer first called while tracing creates concrete weights and records the computation', () => {
    const d = new Dense({ units: 2, kernelInitializer: 'ones' });
    const g = kiln.trace((x: Tensor) => d.apply(x), [{ shape: [1, 3], dtype: 'float32' }]);
    expect(d.kernel!.peek().isSymbolic).toBe(false);
    expect(Array.from(d.kernel!.peek().dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(g.nodes.map((n) => n.op)).toEqual(['matmul', 'add']);
  });
});
