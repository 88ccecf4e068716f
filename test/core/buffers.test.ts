import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { allocBuffer, releaseBuffer } from '../../src/core/buffers.js';
import { native } from '../../src/core/native.js';

describe('tensor buffers', () => {
  test('small buffers are zero-filled, 64-byte aligned and do not overlap', () => {
    const arrays = [1, 3, 16, 17, 64, 200, 256].flatMap((n) => [0, 1, 2, 3].map((code) => allocBuffer(code, n)));
    for (const a of arrays) {
      expect(native.addressMod(a) % 64).toBe(0);
      expect(Array.from(a).every((v) => v === 0)).toBe(true);
    }
    // Writing a distinct value into every element of every array must leave every other array intact.
    arrays.forEach((a, i) => a.fill(i + 1));
    arrays.forEach((a, i) => expect(Array.from(a).every((v) => v === i + 1)).toBe(true));
  });

  test('buffers get the typed array of their dtype code and length', () => {
    for (const n of [0, 5, 300, 100_000]) {
      const [f32, f64, i32, b] = [0, 1, 2, 3].map((code) => allocBuffer(code, n));
      expect(f32).toBeInstanceOf(Float32Array);
      expect(f64).toBeInstanceOf(Float64Array);
      expect(i32).toBeInstanceOf(Int32Array);
      expect(b).toBeInstanceOf(Uint8Array);
      for (const a of [f32, f64, i32, b]) expect(a.length).toBe(n);
    }
  });

  test('releasing a small buffer leaves the buffers that share its slab usable', () => {
    const a = allocBuffer(0, 4);
    const b = allocBuffer(0, 4);
    b.set([1, 2, 3, 4]);
    releaseBuffer(a);
    expect(Array.from(b)).toEqual([1, 2, 3, 4]);
  });

  test('releasing a large buffer frees it at once', () => {
    const a = allocBuffer(0, 1 << 20);
    releaseBuffer(a);
    expect(a.length).toBe(0); // detached
  });

  test('disposing a small tensor keeps its neighbours and still reports disposal', () => {
    const a = kiln.tensor([1, 2, 3]);
    const b = kiln.tensor([4, 5, 6]);
    a.dispose();
    expect(a.isDisposed).toBe(true);
    expect(() => a.dataSync()).toThrow(kiln.DisposedError);
    expect(b.array()).toEqual([4, 5, 6]);
    expect(kiln.ops.add(b, 1).array()).toEqual([5, 6, 7]);
  });
});
