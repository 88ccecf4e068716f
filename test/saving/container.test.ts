import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import { SavingError } from '../../src/index.js';
import { mlp, tempDir, weightValues } from './helpers.js';

const { readContainer, writeContainer } = kiln.saving;

function sample(dir: string): string {
  const file = path.join(dir, 'c.kiln');
  writeContainer(file, { kind: 'weights', note: 'x' }, [
    { name: 'a', dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) },
    { name: 'b', dtype: 'int32', shape: [], data: Int32Array.from([7]) },
    { name: 'c', dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -0]) },
  ]);
  return file;
}

// Rewrites the JSON header through `edit` and repacks the file around the unchanged data region.
function editHeader(file: string, edit: (h: { entries: Record<string, unknown>[] }) => void): void {
  const buf = fs.readFileSync(file);
  const len = buf.readUInt32LE(12);
  const dataStart = Math.ceil((16 + len) / 64) * 64;
  const header = JSON.parse(buf.subarray(16, 16 + len).toString('utf8'));
  edit(header);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const fixed = Buffer.from(buf.subarray(0, 16));
  fixed.writeUInt32LE(json.byteLength, 12);
  const pad = Buffer.alloc(Math.ceil((16 + json.byteLength) / 64) * 64 - 16 - json.byteLength);
  fs.writeFileSync(file, Buffer.concat([fixed, json, pad, buf.subarray(dataStart)]));
}

describe('the .kiln container', () => {
  test('round-trips dtypes, shapes and values, with 64-byte aligned little-endian data', () => {
    const file = sample(tempDir());
    const c = readContainer(file);
    expect(c.meta).toEqual({ kind: 'weights', note: 'x' });
    expect([...c.entries.keys()]).toEqual(['a', 'b', 'c']);
    expect(Array.from(c.entries.get('a')!.data)).toEqual([1, 2, 3, 4, 5, -6.5]);
    expect(c.entries.get('b')!.shape).toEqual([]);
    expect(Array.from(c.entries.get('c')!.data)).toEqual([Math.PI, -0]);
    const buf = fs.readFileSync(file);
    expect(buf.subarray(0, 8).toString('latin1')).toBe('KILNSAVE');
    expect(buf.readUInt32LE(8)).toBe(1);
    const len = buf.readUInt32LE(12);
    const header = JSON.parse(buf.subarray(16, 16 + len).toString('utf8'));
    const dataStart = Math.ceil((16 + len) / 64) * 64;
    for (const e of header.entries) expect((dataStart + e.offset) % 64).toBe(0);
    const a = header.entries[0];
    expect(buf.readFloatLE(dataStart + a.offset + 5 * 4)).toBe(-6.5);
  });

  test('a file with the wrong magic is refused', () => {
    const file = sample(tempDir());
    const buf = fs.readFileSync(file);
    buf.write('NOTKILN!', 0, 'latin1');
    fs.writeFileSync(file, buf);
    expect(() => readContainer(file)).toThrow(SavingError);
    expect(() => readContainer(file)).toThrow(/c\.kiln: bad magic "NOTKILN!"/);
  });

  test('an unknown format version is refused', () => {
    const file = sample(tempDir());
    const buf = fs.readFileSync(file);
    buf.writeUInt32LE(9, 8);
    fs.writeFileSync(file, buf);
    expect(() => readContainer(file)).toThrow(/format version 9 is not supported/);
  });

  test('truncated files are refused: inside the preamble, inside the header, inside the data', () => {
    const file = sample(tempDir());
    const full = fs.readFileSync(file);
    fs.writeFileSync(file, full.subarray(0, 10));
    expect(() => readContainer(file)).toThrow(/truncated: 10 bytes/);
    fs.writeFileSync(file, full.subarray(0, 40));
    expect(() => readContainer(file)).toThrow(/header length \d+ runs past the end of the file \(40 bytes/);
    fs.writeFileSync(file, full.subarray(0, full.byteLength - 4));
    expect(() => readContainer(file)).toThrow(/entry "c": offset \d+ \+ length 16 runs past the end/);
  });

  test('an offset beyond the file is refused before any data is read', () => {
    const file = sample(tempDir());
    editHeader(file, (h) => { h.entries[1].offset = 1 << 20; });
    expect(() => readContainer(file)).toThrow(/entry "b": offset 1048576 \+ length 4 runs past the end/);
  });

  test('a misaligned offset, a length that does not fit dtype and shape, or a bad dtype are refused', () => {
    const dir = tempDir();
    let file = sample(dir);
    editHeader(file, (h) => { h.entries[0].offset = 8; });
    expect(() => readContainer(file)).toThrow(/entry "a": offset 8 is not a non-negative multiple of 64/);
    file = sample(dir);
    editHeader(file, (h) => { h.entries[0].shape = [3, 3]; });
    expect(() => readContainer(file)).toThrow(/entry "a": length 24 does not match float32 \[3, 3\] \(36 bytes\)/);
    file = sample(dir);
    editHeader(file, (h) => { h.entries[0].dtype = 'complex64'; });
    expect(() => readContainer(file)).toThrow(/entry "a": dtype "complex64"/);
  });

  test('a flipped data byte fails the SHA-256 check', () => {
    const file = sample(tempDir());
    const buf = fs.readFileSync(file);
    buf[buf.byteLength - 1] ^= 0x40;
    fs.writeFileSync(file, buf);
    expect(() => readContainer(file)).toThrow(/entry "c": SHA-256 of its data is [0-9a-f]{64}, the header says/);
  });

  test('a corrupted header is refused', () => {
    const file = sample(tempDir());
    const buf = fs.readFileSync(file);
    buf.write('#', 16, 'latin1');
    fs.writeFileSync(file, buf);
    expect(() => readContainer(file)).toThrow(/header is not valid JSON/);
  });

  test('a missing file is a SavingError naming it', () => {
    const file = path.join(tempDir(), 'nope.kiln');
    expect(() => readContainer(file)).toThrow(/nope\.kiln: cannot read the file/);
  });

  test('a corrupted model file is refused by loadModel and loadWeights without touching the model', () => {
    kiln.ops.setRandomSeed(21);
    const m = mlp();
    const file = path.join(tempDir(), 'm.kiln');
    m.save(file);
    const buf = fs.readFileSync(file);
    buf[buf.byteLength - 3] ^= 1;
    fs.writeFileSync(file, buf);
    expect(() => kiln.loadModel(file)).toThrow(/SHA-256/);
    const other = mlp();
    const before = weightValues(other);
    expect(() => other.loadWeights(file)).toThrow(/SHA-256/);
    expect(weightValues(other)).toEqual(before);
  });

  test('a failed write leaves the previous file intact and no temp file behind', () => {
    kiln.ops.setRandomSeed(22);
    const dir = tempDir();
    const file = path.join(dir, 'm.kiln');
    const m = mlp();
    m.save(file);
    const before = fs.readFileSync(file);
    m.trainOnBatch(kiln.ones([2, 4]), kiln.tensor([0, 1], [2], 'int32'));
    // The third write (inside the data) fails, as a full disk would.
    const real = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
    let calls = 0;
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((...args: unknown[]) => {
      if (++calls > 2) throw new Error('ENOSPC: no space left on device');
      return real(...args);
    }) as typeof fs.writeSync);
    try {
      expect(() => m.save(file)).toThrow(/m\.kiln: could not write the file \(ENOSPC.*previous file is unchanged/);
    } finally {
      spy.mockRestore();
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['m.kiln']);
    expect(weightValues(kiln.loadModel(file))).not.toEqual(weightValues(m));
  });
});
