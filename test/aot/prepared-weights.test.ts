// An artifact's weights are prepared once at create (matmul packs its B weights, shared by all plans): predictions
// must equal those of the same artifact run unprepared (KILN_AOT_PREPARE=0) bit for bit, and model.predict's.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { artifactAddon } from '../../runtime/artifact/artifact-native.js';
import { batchOf, tempDir, removeTempDirs } from './artifact-fixture.js';

afterAll(removeTempDirs);

const name = 'prep_mlp';
let dir: string;
let model: kiln.Sequential;

/** 40 → 96 (relu) → 48 (relu) → 10 (softmax): two matmuls wide enough to pack, one (N = 10) that is not. */
function mlp(): kiln.Sequential {
  const { Dense } = kiln.layers;
  const init = (seed: number): kiln.initializers.GlorotUniform => new kiln.initializers.GlorotUniform({ seed });
  const bias = (seed: number): kiln.initializers.RandomUniform =>
    new kiln.initializers.RandomUniform({ minval: -0.5, maxval: 0.5, seed });
  return new kiln.Sequential([kiln.input({ shape: [40], name: 'features' }),
    new Dense({ units: 96, activation: 'relu', kernelInitializer: init(11), biasInitializer: bias(12) }),
    new Dense({ units: 48, activation: 'relu', kernelInitializer: init(13), biasInitializer: bias(14) }),
    new Dense({ units: 10, activation: 'softmax', kernelInitializer: init(15), biasInitializer: bias(16) })],
  { name });
}

function open(prepare: boolean): object {
  const saved = process.env.KILN_AOT_PREPARE;
  if (prepare) delete process.env.KILN_AOT_PREPARE;
  else process.env.KILN_AOT_PREPARE = '0';
  try {
    return artifactAddon.artifactOpen(join(dir, `lib${name}.so`), name, join(dir, 'weights.bin'));
  } finally {
    if (saved === undefined) delete process.env.KILN_AOT_PREPARE;
    else process.env.KILN_AOT_PREPARE = saved;
  }
}

function run(handle: object, x: Float32Array, rows: number): Float32Array {
  const y = new Float32Array(rows * 10);
  artifactAddon.artifactRun(handle, [x], [y], rows);
  return y;
}

beforeAll(() => {
  dir = tempDir('prep');
  model = mlp();
  kiln.compileModel(model, { outDir: dir, maxBatch: 128, name });
}, 120_000);

describe('weights prepared at create', () => {
  test('the wide matmuls of every plan of 4+ rows are prepared; KILN_AOT_PREPARE=0 prepares nothing', () => {
    // Plans 128, 64, 32, 16, 8, 4 each pack the 40×96 and 96×48 kernels (one shared copy each); plans of 1 and 2
    // rows and the N = 10 matmul stay on sgemm (sgemmPacked would not match it bit for bit, or gains nothing).
    expect(artifactAddon.artifactNumPrepared(open(true))).toBe(12);
    expect(artifactAddon.artifactNumPrepared(open(false))).toBe(0);
  });

  test('prepared predictions equal unprepared ones bit for bit and model.predict within 1e-5', () => {
    const prepared = open(true), plain = open(false);
    for (const rows of [128, 100, 37, 5, 1]) {
      const x = batchOf(rows, 40, rows);
      const got = run(prepared, x, rows), want = run(plain, x, rows);
      const mismatch = got.findIndex((v, i) => !Object.is(v, want[i]));
      expect(mismatch, `rows ${rows}, element ${mismatch}`).toBe(-1);
      const ref = (model.predict(kiln.tensor(x, [rows, 40])) as kiln.Tensor).dataSync();
      for (let i = 0; i < ref.length; i++)
        expect(Math.abs(got[i] - ref[i]), `rows ${rows}, element ${i}`).toBeLessThanOrEqual(1e-5);
    }
  });
});
