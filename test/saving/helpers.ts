// Shared pieces of the saving tests: temp dirs, small models, data, and exact weight comparison.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as kiln from '../../src/index.js';
import { rng } from '../util/check.js';

/** A fresh temporary directory (removed by the OS; tests do not depend on it being empty later). */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-saving-'));
}

/** n samples of `dim` features in [-1, 1) and integer labels in [0, classes). */
export function data(n: number, dim: number, classes: number, seed: number): { x: kiln.Tensor; y: kiln.Tensor } {
  const r = rng(seed);
  const xs = Float32Array.from({ length: n * dim }, () => r() * 2 - 1);
  const ys = Int32Array.from({ length: n }, (_, i) => (xs[i * dim] > 0 ? 1 : 0) + (xs[i * dim + 1] > 0.5 ? 1 : 0) % classes);
  return { x: kiln.tensor(xs, [n, dim], 'float32'), y: kiln.tensor(ys, [n], 'int32') };
}

/** A small compiled classifier: Dense → Dense(softmax). */
export function mlp(dim = 4, classes = 3): kiln.Sequential {
  const { Dense } = kiln.layers;
  const m = new kiln.Sequential([kiln.input({ shape: [dim] }), new Dense({ units: 8, activation: 'relu' }),
    new Dense({ units: classes, activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'sparse_categorical_crossentropy', metrics: ['accuracy'] });
  return m;
}

/** Every weight's values as plain arrays, for exact (bit-for-bit as float64) comparison. */
export function weightValues(m: kiln.Model): number[][] {
  return m.weights.map((w) => Array.from(w.peek().dataSync()));
}

/** The values of a tensor, or of each tensor of a list or dict. */
export function values(t: kiln.Tensor | readonly kiln.Tensor[] | Readonly<Record<string, kiln.Tensor>>): number[][] {
  const list = t instanceof kiln.Tensor ? [t] : Array.isArray(t) ? t : Object.values(t);
  return list.map((v: kiln.Tensor) => Array.from(v.dataSync()));
}
