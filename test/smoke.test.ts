import { test, expect } from 'vitest';
import * as kiln from '../src/index.js';
test('smoke', () => {
  const a = kiln.tensor([[1, 2], [3, 4]]);
  const b = kiln.ops.add(a, 1);
  expect(b.array()).toEqual([[2, 3], [4, 5]]);
  const m = kiln.ops.matmul(a, a);
  expect(m.array()).toEqual([[7, 10], [15, 22]]);
  const s = kiln.ops.sum(a, 1);
  expect(s.array()).toEqual([3, 7]);
  const t = new kiln.Variable(kiln.scalar(3));
  const outer = new kiln.GradientTape(); const inner = new kiln.GradientTape();
  let speed: kiln.Tensor | null = null;
  outer.record(() => { const pos = inner.record(() => kiln.ops.mul(kiln.ops.square(t), 4.9)); speed = inner.gradient(pos, t); });
  expect(speed!.item()).toBeCloseTo(29.4, 4);
  expect(outer.gradient(speed!, t)!.item()).toBeCloseTo(9.8, 5);
});
