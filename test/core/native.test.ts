import { describe, expect, test } from 'vitest';
import { kernel, native } from '../../src/core/native.js';

describe('native kernel calls', () => {
  const exp = kernel('exp');
  const add = kernel('add');

  test('the one-input entry point runs a unary kernel', () => {
    const x = new Float64Array([0, 1, -2, 0.5]);
    const y = new Float64Array(4);
    native.run1x1(exp.id, x, y, 0);
    expect(Array.from(y)).toEqual(Array.from(x, Math.exp));
  });

  test('the two-input entry point runs a binary kernel with its arguments', () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const b = new Float32Array([10, 20, 30]);
    const y = new Float32Array(6);
    // [2, 3] + [3] broadcast: b's row stride is 0.
    add.call([a, b], [y], 2, [2, 3], [3, 1], [0, 1]);
    expect(Array.from(y)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  test('the general entry point and the fixed-arity ones agree', () => {
    const x = new Float32Array([0.25, -1, 3]);
    const viaRun = new Float32Array(3), viaFast = new Float32Array(3);
    native.run(exp.id, [x], [viaRun], 0);
    native.run1x1(exp.id, x, viaFast, 0);
    expect(Array.from(viaFast)).toEqual(Array.from(viaRun));
  });

  test('consecutive calls do not keep buffers of earlier calls', () => {
    // A unary call after a binary one must see exactly one input (the call record is reused between runs).
    const y = new Float32Array(2);
    add.call([new Float32Array([1, 2]), new Float32Array([3, 4])], [y], 1, [2], [1], [1]);
    expect(() => native.run(add.id, [new Float32Array(2)], [y], 0)).toThrow(/add: expected 2 inputs and 1 outputs, got 1 and 1/);
    exp.call([new Float32Array([0, 0])], [y]);
    expect(Array.from(y)).toEqual([1, 1]);
  });

  test('bad calls are rejected before any memory is touched', () => {
    const y = new Float32Array(4);
    expect(() => native.run1x1(exp.id, [1, 2] as unknown as Float32Array, y, 0)).toThrow(/input is not a typed array/);
    expect(() => native.run2x1(add.id, y, y, {} as Float32Array, 0)).toThrow(/output is not a typed array/);
    expect(() => native.run1x1(-1, y, y, 0)).toThrow(/unknown kernel id -1/);
    expect(() => native.run1x1(exp.id, y, y, 1e9)).toThrow(/too many arguments/);
    expect(() => native.run1x1(exp.id, new Float32Array(4), new Float32Array(3), 0)).toThrow(/exp: output: expected 4 elements/);
  });
});
