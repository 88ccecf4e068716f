import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { buildCExample, runCExample, tempDir, removeTempDirs } from './artifact-fixture.js';

afterAll(removeTempDirs);

const { layers, ops } = kiln;

test('train the Fashion-MNIST MLP briefly, save, `kiln compile`, then C and Node give model.predict\'s outputs', () => {
  ops.setRandomSeed(1);
  const { train, test: testSet } = kiln.datasets.fashionMnist.load();
  const n = 2048;
  const x = ops.reshape(ops.div(ops.slice(train.x, [0, 0, 0], [n, 28, 28]), 255), [n, 784]);
  const y = ops.slice(train.y, [0], [n]);
  const model = new kiln.Sequential([kiln.input({ shape: [784], name: 'pixels' }),
    new layers.Dense({ units: 512, activation: 'relu' }), new layers.Dense({ units: 256, activation: 'relu' }),
    new layers.Dense({ units: 10, activation: 'softmax' })], { name: 'fashion_mlp' });
  model.compile({ optimizer: 'rmsprop', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  const history = model.fit(x, y, { epochs: 1, batchSize: 128, verbose: 0 }).history;
  // One epoch over 2048 images: the running accuracy only has to show learning (chance is 0.1).
  expect(history.accuracy[0]).toBeGreaterThan(0.3);

  const dir = tempDir('e2e');
  const saved = join(dir, 'model.kiln');
  model.save(saved);
  const out = join(dir, 'artifact');
  const log = execFileSync('npx', ['tsx', 'src/cli/kiln.ts', 'compile', saved, '--out', out, '--max-batch', '64',
    '--name', 'fmnist'], { encoding: 'utf8', env: process.env });
  expect(log).toMatch(/kiln compile: wrote .*artifact \(libfmnist.so \d+ bytes/);

  const rows = 37; // 32 + 4 + 1: three plans
  const images = ops.reshape(ops.div(ops.slice(testSet.x, [0, 0, 0], [rows, 28, 28]), 255), [rows, 784]);
  const want = (model.predict(images) as kiln.Tensor).dataSync();
  const close = (got: ArrayLike<number>): void => {
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i]), `element ${i}`).toBeLessThanOrEqual(1e-5);
  };

  const predictor = kiln.loadPredictor(out);
  close((predictor.predict(images) as kiln.Tensor).dataSync());

  const input = join(dir, 'images.bin');
  writeFileSync(input, images.dataSync() as Float32Array);
  const exe = buildCExample(out, 'fmnist');
  close(runCExample(exe, join(out, 'weights.bin'), input, rows, 1)[0]);
}, 120_000);

test('`kiln compile --help` explains every flag', () => {
  const help = execFileSync('npx', ['tsx', 'src/cli/kiln.ts', 'compile', '--help'], { encoding: 'utf8' });
  for (const flag of ['--out <dir>', '--target <target>', '--batch <n>', '--max-batch <n>', '--name <name>', '--input-shape'])
    expect(help).toContain(flag);
  expect(help).toMatch(/--batch <n>\s+compile for exactly N rows/);
}, 60_000);
