import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import { interpret } from '../../runtime/eager/interpreter.js';
import { verify } from '../../compiler/ir/verifier.js';
import { expectClose, randomTensor } from '../util/check.js';

const o = kiln.ops;

/** A linear least-squares model with its own variables and optimizer, and its training step. */
function model(makeOptimizer: () => kiln.optimizers.Optimizer) {
  const w = new kiln.Variable(randomTensor([3, 2], 1, 'float32'), 'w');
  const b = new kiln.Variable(randomTensor([2], 2, 'float32'), 'b');
  const optimizer = makeOptimizer();
  const step = (x: Tensor, y: Tensor): Tensor => {
    const { value, grads } = kiln.valueAndGrad(() => o.mean(o.square(o.sub(o.add(o.matmul(x, w), b), y))), [w, b]);
    optimizer.applyGradients([[grads[0], w], [grads[1], b]]);
    return value;
  };
  return { w, b, optimizer, step };
}

const batches = [1, 2, 3].map((k) => [randomTensor([4, 3], 10 + k, 'float32'), randomTensor([4, 2], 20 + k, 'float32')]);

function checkTracedEqualsEager(makeOptimizer: () => kiln.optimizers.Optimizer): kiln.FuncGraph {
  const eager = model(makeOptimizer), traced = model(makeOptimizer);
  const graph = kiln.trace(traced.step, [{ shape: [4, 3] }, { shape: [4, 2] }], { name: 'train_step' });
  verify(graph);
  // Tracing reads no values and changes no state: the slots exist but every variable still holds its start value.
  expect(traced.optimizer.iterations.read().dataSync()[0]).toBe(0);
  expectClose(traced.w.read(), eager.w.read().dataSync(), [3, 2], 0);
  for (const [x, y] of batches) {
    const want = eager.step(x, y);
    const [got] = interpret(graph, [x, y]);
    expectClose(got, want.dataSync(), [], 1e-6, 1e-5);
  }
  expectClose(traced.w.read(), eager.w.read().dataSync(), [3, 2], 1e-6, 1e-5);
  expectClose(traced.b.read(), eager.b.read().dataSync(), [2], 1e-6, 1e-5);
  expect(traced.optimizer.iterations.read().dataSync()[0]).toBe(3);
  traced.optimizer.variables.forEach((v, i) =>
    expectClose(v.read(), eager.optimizer.variables[i].read().dataSync(), [...v.shape], 1e-6, 1e-5));
  return graph;
}

describe('applyGradients inside a traced function', () => {
  test('records variable assigns for weights, slots and iterations, and interpreting it equals eager steps', () => {
    const graph = checkTracedEqualsEager(() => new kiln.optimizers.Adam({ learningRate: 0.1, amsgrad: true }));
    const assigned = graph.nodes.filter((n) => n.op === 'assignVariable').map((n) => n.inputs[0].name);
    for (const name of ['w', 'b', 'adam/iteration', 'adam/w_momentum', 'adam/w_velocity', 'adam/b_velocity_hat'])
      expect(assigned).toContain(name);
  });

  test('a learning-rate schedule is computed in the graph from the iterations variable', () => {
    checkTracedEqualsEager(() => new kiln.optimizers.SGD({ momentum: 0.9, globalClipnorm: 0.5,
      learningRate: new kiln.optimizers.schedules.PiecewiseConstantDecay({ boundaries: [0, 1], values: [0.3, 0.2, 0.1] }) }));
  });

  test('RMSprop (centered, momentum), AdamW and Adagrad trace as well', () => {
    checkTracedEqualsEager(() => new kiln.optimizers.RMSprop({ learningRate: 0.05, centered: true, momentum: 0.5,
      clipnorm: 1 }));
    checkTracedEqualsEager(() => new kiln.optimizers.AdamW({ learningRate: 0.05, clipvalue: 0.1 }));
    checkTracedEqualsEager(() => new kiln.optimizers.Adagrad({ learningRate: 0.05 }));
  });

  test('changing the learning rate after tracing changes the traced update (it is state, not a constant)', () => {
    const m = model(() => new kiln.optimizers.SGD({ learningRate: 0.1 }));
    const graph = kiln.trace(m.step, [{ shape: [4, 3] }, { shape: [4, 2] }]);
    m.optimizer.learningRate = 0;
    const before = [...m.w.read().dataSync()];
    interpret(graph, batches[0]);
    expectClose(m.w.read(), before, [3, 2], 0);
  });
});

describe('applyGradients inside kiln.jit', () => {
  test('a jitted train step with Adam leaves the same weights and state as eager steps', () => {
    const make = () => new kiln.optimizers.Adam({ learningRate: 0.1 });
    const eager = model(make), jitted = model(make);
    const step = kiln.jit(jitted.step, { name: 'train_step' });
    for (const [x, y] of batches) expectClose(step(x, y) as Tensor, eager.step(x, y).dataSync(), [], 1e-6, 1e-5);
    expect(step.cacheSize).toBe(1);
    expectClose(jitted.w.read(), eager.w.read().dataSync(), [3, 2], 1e-6, 1e-5);
    expect(jitted.optimizer.iterations.read().dataSync()[0]).toBe(3);
  });
});
