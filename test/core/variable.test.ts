import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../util/check.js';

describe('Variable', () => {
  test('assign, assignAdd and assignSub replace the value; earlier reads keep theirs', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2, 3]), 'v');
    const before = v.read();
    v.assign(kiln.tensor([4, 5, 6]));
    expectClose(v.read(), [4, 5, 6], [3]);
    v.assignAdd(kiln.tensor([1, 1, 1]));
    expectClose(v.read(), [5, 6, 7], [3]);
    v.assignSub(2);
    expectClose(v.read(), [3, 4, 5], [3]);
    expectClose(before, [1, 2, 3], [3]);
  });

  test('assign broadcasts a scalar and rejects a wrong shape or dtype with a clear error', () => {
    const v = new kiln.Variable(kiln.zeros([2, 2]), 'w');
    v.assign(1);
    expectClose(v.read(), [1, 1, 1, 1], [2, 2]);
    expect(() => v.assign(kiln.zeros([3]))).toThrow(/Variable "w".*expected shape \[2, 2\], got \[3\]/);
    expect(() => v.assign(kiln.zeros([2, 2], 'int32'))).toThrow(kiln.ValueError);
  });

  test('a slice of a variable can be assigned (DLwP 3.5.2)', () => {
    const v = new kiln.Variable(kiln.zeros([3, 1]), 'v');
    v.slice([0, 0], [1, 1]).assign(3);
    expectClose(v.read(), [3, 0, 0], [3, 1]);
    const m = new kiln.Variable(kiln.zeros([3, 4]), 'm');
    m.slice([1, 1], [2, -1]).assign(kiln.tensor([[1, 2, 3], [4, 5, 6]]));
    expectClose(m.read(), [0, 0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 6], [3, 4]);
    expect(() => m.slice([2, 0], [2, 1])).toThrow(kiln.ShapeError);
    expect(() => m.slice([0, 0], [1, 1]).assign(kiln.zeros([2, 2]))).toThrow(/slice assign: expected shape \[1, 1\]/);
  });

  test('a constant tensor is not assignable and says how to get a mutable one', () => {
    const c = kiln.tensor([1, 2]);
    expect(() => c.assign(kiln.tensor([3, 4]))).toThrow(/cannot assign to a constant tensor \[2\] float32.*kiln\.Variable/);
    expect(c.array()).toEqual([1, 2]);
  });

  test('ops accept variables and read their current value', () => {
    const v = new kiln.Variable(kiln.tensor([1, 2]), 'v');
    expectClose(kiln.ops.mul(v, 2), [2, 4], [2]);
    v.assign(kiln.tensor([3, 4]));
    expectClose(kiln.ops.mul(v, 2), [6, 8], [2]);
  });

  test('a variable survives tidy scopes and its value is not disposed', () => {
    const v = kiln.tidy(() => new kiln.Variable(kiln.ops.add(kiln.ones([2]), 1), 'kept'));
    expectClose(v.read(), [2, 2], [2]);
    kiln.tidy(() => {
      v.assign(kiln.ops.mul(v, 3));
    });
    expectClose(v.read(), [6, 6], [2]);
  });
});
