// Helpers shared by the layer tests: weight-gradient checks against finite differences, seeded weights, and
// config round-trips through JSON.
import { expect } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Tensor } from '../../src/index.js';
import type { AnyLayer, LayerIO } from '../../src/engine/index.js';
import { expectClose, randomTensor, uniformValues } from '../util/check.js';

/** serialize → JSON text → deserialize, as saving a model would. */
export function roundTrip(layer: AnyLayer): AnyLayer {
  return kiln.deserializeLayer(JSON.parse(JSON.stringify(kiln.serializeLayer(layer))));
}

/** Asserts that a layer's config survives JSON and rebuilds a layer of the same class with an equal config. */
export function expectConfigRoundTrip(layer: AnyLayer): AnyLayer {
  const copy = roundTrip(layer);
  expect(copy.constructor).toBe(layer.constructor);
  expect(copy.getConfig()).toEqual(layer.getConfig());
  return copy;
}

/** Replaces every weight of a built layer with seeded uniform values in [lo, hi); returns them as JS arrays. */
export function seedWeights(layer: AnyLayer, seed: number, lo = -1, hi = 1): number[][] {
  const values = layer.weights.map((w, i) => uniformValues(w.peek().size, seed + i, lo, hi));
  layer.setWeights(layer.weights.map((w, i) => kiln.tensor(values[i], [...w.shape], w.dtype)));
  return values;
}

/**
 * Tape gradients of Σ layer(x)·c with respect to each trainable weight vs central finite differences
 * (float64 layers; `training` is passed to every call).
 */
export function checkWeightGradients(layer: AnyLayer, x: LayerIO, { training = false, eps = 1e-6, atol = 1e-6,
  rtol = 1e-5 } = {}): void {
  checkWeightGradientsOf(layer, () => layer.apply(x, { training }) as Tensor, { eps, atol, rtol });
}

/** The same check for any computation `run` of the layer's weights (e.g. a wrapper calling the layer twice). */
export function checkWeightGradientsOf(layer: AnyLayer, run: () => Tensor, { eps = 1e-6, atol = 1e-6,
  rtol = 1e-5 } = {}): void {
  const c = randomTensor([...run().shape], 77, 'float64', 0.5, 1.5);
  const lossValue = (): number => kiln.ops.sum(kiln.ops.mul(run(), c)).item();
  const all = layer.weights;
  const trainable = layer.trainableWeights;
  expect(trainable.length).toBeGreaterThan(0);
  const tape = new kiln.GradientTape();
  const loss = tape.record(() => kiln.ops.sum(kiln.ops.mul(run(), c)));
  const grads = tape.gradient(loss, trainable);
  trainable.forEach((w, t) => {
    const i = all.indexOf(w);
    const saved = layer.getWeights();
    const base = Array.from(saved[i].dataSync());
    const numeric = base.map((_, j) => {
      const at = (delta: number): number => {
        const vals = base.slice();
        vals[j] += delta;
        layer.setWeights(saved.map((s, k) => (k === i ? kiln.tensor(vals, [...w.shape], 'float64') : s)));
        return lossValue();
      };
      const g = (at(eps) - at(-eps)) / (2 * eps);
      layer.setWeights(saved);
      return g;
    });
    expectClose(grads[t]!, numeric, w.shape, atol, rtol);
  });
}
