import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectOnnxMatchesPredict, tempDir } from './helpers.js';

const L = kiln.layers;

function mlp(): kiln.Sequential {
  return new kiln.Sequential([
    kiln.input({ shape: [784] }),
    new L.Dense({ units: 512, activation: 'relu' }),
    new L.Dropout({ rate: 0.2 }),
    new L.Dense({ units: 256, activation: 'relu' }),
    new L.Dense({ units: 10, activation: 'softmax' }),
  ], { name: 'mlp' });
}

function cnn(): kiln.Sequential {
  return new kiln.Sequential([
    kiln.input({ shape: [28, 28, 1] }),
    new L.Conv2D({ filters: 8, kernelSize: 3, activation: 'relu' }),
    new L.MaxPooling2D({ poolSize: 2 }),
    new L.Conv2D({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
    new L.MaxPooling2D({ poolSize: 2 }),
    new L.Flatten(),
    new L.Dense({ units: 10 }),
  ], { name: 'cnn' });
}

describe('ONNX export', () => {
  test('onnxruntime gives model.predict\'s outputs for the 784-512-256-10 MLP at several batch sizes', async () => {
    await expectOnnxMatchesPredict(mlp(), [784], [1, 7, 64], 11);
  });

  test('onnxruntime gives model.predict\'s outputs for a CNN (conv, pool, conv, pool, flatten, dense)', async () => {
    await expectOnnxMatchesPredict(cnn(), [28, 28, 1], [1, 5], 21);
  });

  test('an unsupported layer is an error naming the layer and its class', () => {
    const x = kiln.input({ shape: [6] });
    const m = kiln.model({ inputs: x, outputs: new L.Dense({ units: 2 }).apply(
      new L.RepeatVector({ n: 3, name: 'rep' }).apply(x)), name: 'bad' });
    const path = join(tempDir(), 'bad.onnx');
    expect(() => kiln.onnx.exportModel(m, path)).toThrow(/layer "rep" \(RepeatVector\) has no ONNX export/);
    expect(() => readFileSync(path)).toThrow();
  });
});
