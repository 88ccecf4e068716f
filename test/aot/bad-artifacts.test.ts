import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { ArtifactError } from '../../src/index.js';
import { artifactAddon } from '../../runtime/artifact/artifact-native.js';
import { smallMlp, tempDir, removeTempDirs } from './artifact-fixture.js';

afterAll(removeTempDirs);

let good: string;

beforeAll(() => {
  good = tempDir('good');
  kiln.compileModel(smallMlp('bad_mlp'), { outDir: good, maxBatch: 2 });
}, 60_000);

type ManifestJson = {
  kilnVersion: string;
  weights: { bytes: number; sha256: string; entries: { offset: number; bytes: number }[] };
  library: { sha256: string };
};

/** A copy of the good artifact with `edit` applied to its files. */
function broken(edit: (dir: string, manifest: ManifestJson) => void): string {
  const dir = tempDir('bad');
  cpSync(good, dir, { recursive: true });
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as ManifestJson;
  edit(dir, manifest);
  writeFileSync(path, JSON.stringify(manifest));
  return dir;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Rewrites weights.bin and records its new size and hash, so that only the structural check can catch it. */
function rewriteWeights(dir: string, m: ManifestJson, change: (b: Buffer) => Buffer): void {
  const bytes = change(readFileSync(join(dir, 'weights.bin')));
  writeFileSync(join(dir, 'weights.bin'), bytes);
  m.weights.bytes = bytes.length;
  m.weights.sha256 = sha(bytes);
}

describe('loadPredictor refuses bad artifacts with ArtifactError', () => {
  test('the good artifact loads', () => {
    expect(kiln.loadPredictor(good).maxBatch).toBe(2);
  });

  test('a truncated weights file', () => {
    const dir = broken((d) => {
      const w = readFileSync(join(d, 'weights.bin'));
      writeFileSync(join(d, 'weights.bin'), w.subarray(0, w.length - 100));
    });
    expect(() => kiln.loadPredictor(dir)).toThrow(ArtifactError);
    expect(() => kiln.loadPredictor(dir)).toThrow(/weights file weights.bin has \d+ bytes, the manifest says \d+/);
  });

  test('a corrupted weights file (one byte flipped: hash mismatch)', () => {
    const dir = broken((d) => {
      const w = readFileSync(join(d, 'weights.bin'));
      w[w.length - 5] ^= 0x40;
      writeFileSync(join(d, 'weights.bin'), w);
    });
    expect(() => kiln.loadPredictor(dir)).toThrow(/weights.bin has SHA-256 [0-9a-f]{64}, the manifest says/);
  });

  test('a replaced library (hash mismatch)', () => {
    const dir = broken((_, m) => {
      m.library.sha256 = '0'.repeat(64);
    });
    expect(() => kiln.loadPredictor(dir)).toThrow(/library libbad_mlp.so has SHA-256 .* \(corrupted or replaced\)/);
  });

  test('a manifest whose entry sizes differ from the weights file', () => {
    const dir = broken((_, m) => {
      m.weights.entries[0].bytes += 4;
    });
    expect(() => kiln.loadPredictor(dir)).toThrow(ArtifactError);
    expect(() => kiln.loadPredictor(dir)).toThrow(/entry 0 is \d+ bytes .* the manifest says \d+ bytes/);
  });

  test('an entry whose offset is out of range (file and manifest agreeing)', () => {
    const dir = broken((d, m) => {
      rewriteWeights(d, m, (b) => {
        b.writeBigUInt64LE(BigInt(b.length + 64), 24); // entry 0's offset
        return b;
      });
      m.weights.entries[0].offset = readFileSync(join(d, 'weights.bin')).length + 64;
    });
    expect(() => kiln.loadPredictor(dir)).toThrow(/entry 0: \d+ bytes at offset \d+ are out of range/);
  });

  test('a weights file whose header records another size', () => {
    const dir = broken((d, m) => rewriteWeights(d, m, (b) => Buffer.concat([b, Buffer.alloc(64)])));
    expect(() => kiln.loadPredictor(dir)).toThrow(/header records \d+ bytes, the file has \d+/);
  });

  test('a manifest from another Kiln version', () => {
    const dir = broken((_, m) => {
      m.kilnVersion = '0.0.1-old';
    });
    expect(() => kiln.loadPredictor(dir)).toThrow(/compiled by Kiln 0.0.1-old, this is Kiln/);
  });

  test('an artifact compiled for a CPU feature this host lacks', () => {
    const dir = broken((_, m) => {
      const t = (m as unknown as { target: { features: string } }).target;
      t.features += ',+kiln-test-feature';
    });
    expect(() => kiln.loadPredictor(dir)).toThrow(/compiled for a CPU with \+kiln-test-feature, which this host lacks/);
  });

  test('a manifest with a mistyped field or a path out of the directory', () => {
    const typo = broken((_, m) => {
      (m.weights as unknown as { bytes: string }).bytes = 'many';
    });
    expect(() => kiln.loadPredictor(typo)).toThrow(/field "weights.bytes" must be an integer >= 0, got "many"/);
    const escape = broken((_, m) => {
      (m as unknown as { weights: { file: string } }).weights.file = '../../etc/passwd';
    });
    expect(() => kiln.loadPredictor(escape)).toThrow(/field "weights.file" must be a plain file name/);
  });

  test('the library itself refuses a weights file that does not match its tables, with no manifest involved', () => {
    const dir = broken((d) => {
      const w = readFileSync(join(d, 'weights.bin'));
      w[w.length - 1] ^= 1;
      writeFileSync(join(d, 'weights.bin'), w);
    });
    const open = (): object => artifactAddon.artifactOpen(join(dir, 'libbad_mlp.so'), 'bad_mlp', join(dir, 'weights.bin'));
    expect(open).toThrow(/content checksum does not match/);
    writeFileSync(join(dir, 'weights.bin'), readFileSync(join(dir, 'weights.bin')).subarray(0, 20));
    expect(open).toThrow(/shorter than its header/);
  });
});
