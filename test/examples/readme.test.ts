import { expect, test } from 'vitest';
import * as kiln from '../../src/index.js';

// The "A taste" snippet of README.md, kept runnable.
test('the README snippet trains a step and prints a traced graph', () => {
  const { ops } = kiln;
  const x = kiln.tensor([[1, 2], [3, 4]]);
  const w = new kiln.Variable(ops.randomNormal([2, 1], { seed: 1 }), 'w');
  const tape = new kiln.GradientTape();
  const loss = tape.record(() => ops.mean(ops.square(ops.matmul(x, w))));
  const grad = tape.gradient(loss, w);
  const before = loss.item();
  w.assignSub(ops.mul(grad!, 0.01));
  expect(ops.mean(ops.square(ops.matmul(x, w))).item()).toBeLessThan(before);

  const graph = kiln.trace((a: kiln.Tensor) => ops.relu(ops.matmul(a, w)), [{ shape: [4, 2], dtype: 'float32' }]);
  const text = kiln.printGraph(graph);
  expect(text).toMatch(/matmul/);
  expect(text).toMatch(/relu/);
});
