import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { batchOf, buildCExample, runCExample, smallMlp, tempDir, removeTempDirs } from './artifact-fixture.js';

afterAll(removeTempDirs);

const model = smallMlp();
let dir: string;
let artifact: kiln.CompiledArtifact;

beforeAll(() => {
  dir = tempDir('mlp');
  artifact = kiln.compileModel(model, { outDir: dir, maxBatch: 8 });
}, 60_000);

function expectNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++)
    expect(Math.abs(actual[i] - expected[i]), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
}

describe('compileModel and loadPredictor', () => {
  test('the artifact directory holds the library, header, weights and a manifest whose hashes match the files', () => {
    const m = artifact.manifest;
    const sha = (f: string): string => createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
    expect(m.library.sha256).toBe(sha('libsmall_mlp.so'));
    expect(m.weights.sha256).toBe(sha('weights.bin'));
    expect(m.header).toBe('small_mlp.h');
    expect(m.batch).toEqual({ max: 8, fixed: false, plans: [8, 4, 2, 1] });
    expect(m.inputs).toEqual([{ name: 'features', shape: [null, 12], dtype: 'float32' }]);
    expect(m.outputs).toEqual([{ name: 'output_0', shape: [null, 4], dtype: 'float32' }]);
    // Two kernels and two biases, stored once for all four plans.
    expect(m.weights.entries.filter((e) => e.dtype === 0).length).toBeGreaterThanOrEqual(4);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(m)));
    expect(artifact.jitSteps).toBeGreaterThan(0);
  });

  test('a loaded predictor gives model.predict\'s outputs for every row count from 1 to maxBatch', () => {
    const p = kiln.loadPredictor(dir);
    expect(p.maxBatch).toBe(8);
    expect(p.inputs[0].shape).toEqual([null, 12]);
    // Rows are independent: predict on the first `rows` rows equals those rows of model.predict on all 8.
    const all = batchOf(8, 12, 1);
    const want = (model.predict(kiln.tensor(all, [8, 12])) as kiln.Tensor).dataSync();
    for (let rows = 1; rows <= 8; rows++) {
      const y = p.predict(kiln.tensor(all.slice(0, rows * 12), [rows, 12])) as kiln.Tensor;
      expect([...y.shape]).toEqual([rows, 4]);
      expectNear(y.dataSync(), want.slice(0, rows * 4));
    }
  });

  test('run() fills caller-provided outputs and refuses a batch above maxBatch or a buffer of the wrong size', () => {
    const p = kiln.loadPredictor(dir);
    const xs = batchOf(3, 12, 11);
    const out = new Float32Array(3 * 4);
    p.run([xs], [out], 3);
    expectNear(out, (model.predict(kiln.tensor(xs, [3, 12])) as kiln.Tensor).dataSync());
    expect(() => p.run([batchOf(9, 12, 1)], [new Float32Array(36)], 9)).toThrow(/batch must be an integer from 1 to 8, got 9/);
    expect(() => p.run([xs], [new Float32Array(11)], 3)).toThrow(kiln.ShapeError);
    expect(() => p.predict(kiln.tensor(batchOf(2, 11, 1), [2, 11]))).toThrow(/expected shape \[2, 12\], got \[2, 11\]/);
  });

  test('a fixed-batch artifact has one plan and runs exactly its batch', () => {
    const fixedDir = tempDir('fixed');
    const fixed = kiln.compileModel(model, { outDir: fixedDir, batch: 3, name: 'mlp3' });
    expect(fixed.manifest.batch).toEqual({ max: 3, fixed: true, plans: [3] });
    const p = kiln.loadPredictor(fixedDir);
    expect(p.inputs[0].shape).toEqual([3, 12]);
    const x = kiln.tensor(batchOf(3, 12, 7), [3, 12]);
    expectNear((p.predict(x) as kiln.Tensor).dataSync(), (model.predict(x) as kiln.Tensor).dataSync());
    expect(() => p.run([batchOf(2, 12, 1)], [new Float32Array(8)], 2)).toThrow(/batch must be exactly 3, got 2/);
  }, 30_000);

  test('ldd shows only libc, libm, libstdc++, libgcc_s, ld-linux, libdnnl (and its OpenCL loader) and libgomp', () => {
    const lib = join(dir, artifact.manifest.library.file);
    const ldd = execFileSync('ldd', [lib], { encoding: 'utf8' });
    const names = [...ldd.matchAll(/^\s*(\S+)/gm)].map((m) => m[1].replace(/^.*\//, ''));
    const allowed = /^(linux-vdso\.so\.1|libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|ld-linux-x86-64\.so\.2|libdnnl\.so\.\d+|libgomp\.so\.1)$/;
    // Debian's libdnnl itself needs the OpenCL ICD loader; the artifact's own DT_NEEDED list does not have it.
    const viaDnnl = execFileSync('ldd', ['/usr/lib/x86_64-linux-gnu/libdnnl.so.2'], { encoding: 'utf8' });
    for (const n of names)
      if (!allowed.test(n)) expect(viaDnnl, `${n} is neither allowed nor a dependency of libdnnl`).toContain(n);
    const direct = artifact.manifest.runtimeDeps;
    for (const d of direct) expect(allowed.test(d), d).toBe(true);
    for (const d of direct) expect(names).toContain(d);
    expect(direct).toContain('libdnnl.so.2');
    // Only the C API is exported: the runtime's C++ symbols stay inside.
    const symbols = execFileSync('nm', ['-D', '--defined-only', lib], { encoding: 'utf8' });
    const exported = [...symbols.matchAll(/ T (\S+)$/gm)].map((m) => m[1]);
    expect(exported.length).toBeGreaterThan(10);
    for (const s of exported) expect(s).toMatch(/^small_mlp_/);
  });

  test('examples/c/predict.c, built with cc against the header, prints model.predict\'s outputs', () => {
    const exe = buildCExample(dir, 'small_mlp');
    const xs = batchOf(5, 12, 21);
    const input = join(dir, 'input.bin');
    writeFileSync(input, xs);
    const [out] = runCExample(exe, join(dir, 'weights.bin'), input, 5, 1);
    expectNear(out, (model.predict(kiln.tensor(xs, [5, 12])) as kiln.Tensor).dataSync());
  }, 30_000);

  test('two threads with one context each run at the same time and give model.predict\'s outputs', () => {
    const exe = join(dir, 'two-threads');
    execFileSync('cc', ['-O2', '-std=c11', '-pthread', '-Wall', '-Werror', '-DKILN_NAME=small_mlp',
      '-DKILN_HEADER="small_mlp.h"', '-I', dir, 'test/aot/two-threads.c', '-L', dir, '-lsmall_mlp', `-Wl,-rpath,${dir}`,
      '-o', exe]);
    const lines = execFileSync(exe, [join(dir, 'weights.bin'), '12', '4'], { encoding: 'utf8' }).trim().split('\n');
    expect(lines[2]).toBe('ok');
    [1, 2].forEach((seed, t) => {
      const xs = Float32Array.from({ length: 3 * 12 }, (_, i) => ((i * 7 + seed * 13) % 17) / 8 - 1);
      expectNear(lines[t].trim().split(' ').map(Number), (model.predict(kiln.tensor(xs, [3, 12])) as kiln.Tensor).dataSync());
    });
  }, 30_000);

  test('a model with two outputs compiles with the outputs in order', () => {
    const x = kiln.input({ shape: [6], name: 'x' });
    const h = new kiln.layers.Dense({ units: 5, activation: 'tanh', name: 'hidden',
      biasInitializer: new kiln.initializers.RandomUniform({ seed: 9 }) }).apply(x) as kiln.Tensor;
    const a = new kiln.layers.Dense({ units: 2, name: 'head_a' }).apply(h) as kiln.Tensor;
    const b = new kiln.layers.Dense({ units: 3, activation: 'sigmoid', name: 'head_b' }).apply(h) as kiln.Tensor;
    const twoHeads = kiln.model({ inputs: x, outputs: [a, b], name: 'two_heads' });
    const outDir = tempDir('heads');
    const m = kiln.compileModel(twoHeads, { outDir, maxBatch: 4 }).manifest;
    expect(m.outputs.map((o) => [o.name, o.shape])).toEqual([['head_a', [null, 2]], ['head_b', [null, 3]]]);
    const xs = kiln.tensor(batchOf(3, 6, 2), [3, 6]);
    const got = kiln.loadPredictor(outDir).predict(xs) as kiln.Tensor[];
    const want = twoHeads.predict(xs) as kiln.Tensor[];
    expectNear(got[0].dataSync(), want[0].dataSync());
    expectNear(got[1].dataSync(), want[1].dataSync());
  }, 30_000);
});
