import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { native } from '../../src/core/native.js';

const MB_FLOATS = 262144; // 1 MiB of float32

describe('tensor memory', () => {
  test('buffers are 64-byte aligned for every dtype and size', () => {
    for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const)
      for (const n of [0, 1, 3, 17, 1000, 65537]) {
        const t = kiln.zeros([n], dtype);
        expect(native.addressMod(t.dataSync()) % 64).toBe(0);
      }
  });

  test('dataSync views the native buffer without copying', () => {
    const t = kiln.tensor([1, 2, 3]);
    expect(t.dataSync()).toBe(t.dataSync());
    expect(t.dataSync().buffer).toBe(t.dataSync().buffer);
  });

  test('native buffers are counted by V8 as external memory', () => {
    const before = process.memoryUsage().arrayBuffers;
    const keep = Array.from({ length: 16 }, () => kiln.zeros([MB_FLOATS]));
    const after = process.memoryUsage().arrayBuffers;
    expect(after - before).toBeGreaterThanOrEqual(16 * 4 * MB_FLOATS);
    expect(keep).toHaveLength(16);
  });

  test('dispose releases memory at once, and a disposed tensor gives a clear error', () => {
    const t = kiln.zeros([MB_FLOATS]);
    const before = process.memoryUsage().arrayBuffers;
    t.dispose();
    expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(4 * MB_FLOATS);
    expect(t.isDisposed).toBe(true);
    expect(() => t.dataSync()).toThrow(kiln.DisposedError);
    expect(() => kiln.ops.add(t, 1)).toThrow(/add\(\): tensor \[262144\] float32 was disposed/);
  });

  test('a reshape shares storage; disposing one view keeps the other alive', () => {
    const a = kiln.tensor([1, 2, 3, 4]);
    const b = kiln.ops.reshape(a, [2, 2]);
    a.dispose();
    expect(b.array()).toEqual([[1, 2], [3, 4]]);
    b.dispose();
    expect(b.isDisposed).toBe(true);
  });

  test('tidy disposes intermediates and keeps returned tensors', () => {
    const x = kiln.ones([4]);
    let inner: kiln.Tensor | null = null;
    const out = kiln.tidy(() => {
      inner = kiln.ops.mul(x, 2);
      return { y: kiln.ops.add(inner, 1) };
    });
    expect(inner!.isDisposed).toBe(true);
    expect(out.y.array()).toEqual([3, 3, 3, 3]);
    expect(x.isDisposed).toBe(false);
  });

  test('100k eager ops on 1 MB tensors without dispose() do not grow RSS without bound', () => {
    const x = kiln.ones([MB_FLOATS]);
    const rss: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      kiln.ops.add(x, 1); // result dropped: only garbage collection can reclaim it
      if (i % 10_000 === 9_999) rss.push(process.memoryUsage().rss);
    }
    // 100k results are ~100 GB in total. Unbounded growth would add ~50 GB between the first and the second half;
    // a bounded process plateaus (how high depends on how far the GC's background sweeper lags on a busy machine).
    const firstHalf = Math.max(...rss.slice(0, 5));
    const secondHalf = Math.max(...rss.slice(5));
    expect(secondHalf - firstHalf).toBeLessThan(512 * 1024 * 1024);
    expect(secondHalf).toBeLessThan(3 * 1024 * 1024 * 1024);
  }, 600_000); // ~20 s on an idle machine; far longer when the 2 cores are shared
});
