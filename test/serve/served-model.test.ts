import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { fromArtifact } from '../../examples/serve/served-model.js';
import { randomTensor } from '../util/check.js';

const L = kiln.layers;

describe('fromArtifact', () => {
  test('an artifact compiled for a fixed batch serves fewer rows (padded), matching model.predict', () => {
    const model = new kiln.Sequential([kiln.input({ shape: [2, 3] }), new L.Flatten(),
      new L.Dense({ units: 5, activation: 'tanh' })], { name: 'fixed' });
    const dir = mkdtempSync(join(tmpdir(), 'kiln-serve-fixed-'));
    kiln.compileModel(model, { outDir: dir, batch: 4 });
    const served = fromArtifact(kiln.loadPredictor(dir));
    expect([served.inputShape, served.outputShape, served.maxBatch]).toEqual([[2, 3], [5], 4]);
    const x = randomTensor([3, 2, 3], 8, 'float32');
    const got = served.predict(Float32Array.from(x.dataSync()), 3) as Float32Array;
    const want = (model.predict(x, { verbose: 0 }) as kiln.Tensor).dataSync();
    expect(got.length).toBe(15);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
  });
});
