import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { ValueError } from '../../src/index.js';

const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz'];

/** An IDX file of unsigned bytes: magic 0x0000 08 rank, big-endian dims, then the data. */
function idx(dims: number[], data: number[], magic = 0x0800 | dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** A folder holding a tiny valid Fashion-MNIST (3 train, 2 test 2×2 images), with overrides per file. */
function tinyDataset(overrides: Record<string, Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-fmnist-'));
  const files: Record<string, Buffer> = {
    [FILES[0]]: gzipSync(idx([3, 2, 2], [0, 1, 2, 3, 10, 20, 30, 40, 255, 254, 253, 252])),
    [FILES[1]]: gzipSync(idx([3], [9, 0, 4])),
    [FILES[2]]: gzipSync(idx([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12])),
    [FILES[3]]: gzipSync(idx([2], [1, 2])),
    ...overrides,
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

describe('datasets.fashionMnist', () => {
  test('loads the real Fashion-MNIST from the Debian package', () => {
    const { train, test: testSplit } = kiln.datasets.fashionMnist.load();
    expect(train.x.shape).toEqual([60000, 28, 28]);
    expect(train.x.dtype).toBe('float32');
    expect(train.y.shape).toEqual([60000]);
    expect(train.y.dtype).toBe('int32');
    expect(testSplit.x.shape).toEqual([10000, 28, 28]);
    expect(testSplit.y.shape).toEqual([10000]);
    // Balanced classes: 6000 train and 1000 test images of each of the 10 labels.
    for (const [y, per] of [[train.y, 6000], [testSplit.y, 1000]] as const) {
      const counts = new Array(10).fill(0);
      for (const l of y.dataSync()) counts[l]++;
      expect(counts).toEqual(new Array(10).fill(per));
    }
    // Known statistic of the training images: mean pixel 72.94 (0.2860 · 255), values 0–255 integers.
    const x = train.x.dataSync();
    let sum = 0, max = 0, integral = true;
    for (let i = 0; i < x.length; i++) {
      sum += x[i];
      if (x[i] > max) max = x[i];
      if (i % 997 === 0 && !Number.isInteger(x[i])) integral = false;
    }
    expect(sum / x.length).toBeCloseTo(72.94, 1);
    expect([max, integral]).toEqual([255, true]);
    // The raw first label of the train file, read independently of the loader.
    const raw = readFileSync('/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz');
    expect(train.y.dataSync()[0]).toBe(gunzipSync(raw)[8]);
  }, 60_000);

  test('loads a tiny data set in another folder with the values in the files', () => {
    const { train, test: t } = kiln.datasets.fashionMnist.load({ dir: tinyDataset() });
    expect(train.x.shape).toEqual([3, 2, 2]);
    expect([...train.x.dataSync()]).toEqual([0, 1, 2, 3, 10, 20, 30, 40, 255, 254, 253, 252]);
    expect([...train.y.dataSync()]).toEqual([9, 0, 4]);
    expect([...t.y.dataSync()]).toEqual([1, 2]);
    expect(t.x.shape).toEqual([2, 2, 2]);
  });

  test('missing files name the Debian package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-empty-'));
    expect(() => kiln.datasets.fashionMnist.load({ dir })).toThrow(ValueError);
    expect(() => kiln.datasets.fashionMnist.load({ dir }))
      .toThrow(/fashionMnist.load: missing train-images-idx3-ubyte.gz, .* install the Debian package dataset-fashion-mnist/);
  });

  test('a truncated gzip file is reported as such', () => {
    const whole = gzipSync(idx([3, 2, 2], new Array(12).fill(1)));
    const dir = tinyDataset({ [FILES[0]]: whole.subarray(0, whole.length - 10) });
    expect(() => kiln.datasets.fashionMnist.load({ dir }))
      .toThrow(/fashionMnist.load: .*train-images-idx3-ubyte.gz is not a valid gzip file/);
  });

  test('a wrong magic number is reported with the expected and the actual one', () => {
    const dir = tinyDataset({ [FILES[1]]: gzipSync(idx([3], [1, 2, 3], 0x0803)) });
    expect(() => kiln.datasets.fashionMnist.load({ dir }))
      .toThrow(/train-labels-idx1-ubyte.gz: expected IDX magic number 0x00000801 .* got 0x00000803/);
    const floats = tinyDataset({ [FILES[2]]: gzipSync(idx([2, 2, 2], new Array(8).fill(0), 0x0d03)) });
    expect(() => kiln.datasets.fashionMnist.load({ dir: floats })).toThrow(/expected IDX magic number 0x00000803/);
  });

  test('a count that disagrees with the data or with the labels is reported', () => {
    const short = tinyDataset({ [FILES[2]]: gzipSync(idx([3, 2, 2], new Array(8).fill(0))) });
    expect(() => kiln.datasets.fashionMnist.load({ dir: short }))
      .toThrow(/the header declares shape \[3, 2, 2\] \(12 bytes of data\), but the file holds 8 bytes of data/);
    const mismatch = tinyDataset({ [FILES[3]]: gzipSync(idx([3], [1, 2, 3])) });
    expect(() => kiln.datasets.fashionMnist.load({ dir: mismatch }))
      .toThrow('fashionMnist.load: t10k-images-idx3-ubyte.gz holds 2 images but t10k-labels-idx1-ubyte.gz holds 3 labels');
    const header = tinyDataset({ [FILES[1]]: gzipSync(Buffer.from([0, 0, 8, 1, 0])) });
    expect(() => kiln.datasets.fashionMnist.load({ dir: header })).toThrow(/truncated IDX header: expected 8 bytes, got 5/);
    const label = tinyDataset({ [FILES[1]]: gzipSync(idx([3], [1, 10, 3])) });
    expect(() => kiln.datasets.fashionMnist.load({ dir: label })).toThrow(/label 1 is 10, expected 0 to 9/);
  });
});

