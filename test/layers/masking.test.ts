import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { checkGradients, expectClose, randomTensor } from '../util/check.js';
import { expectConfigRoundTrip } from './layer-check.js';

const { Masking } = kiln.layers;

/** [2, 4, 3] data whose steps (0, 1) and (1, 2) and (1, 3) are all `v`, and step (0, 3) only partly. */
function data(v: number): { x: kiln.Tensor; masked: boolean[] } {
  const vals = Array.from(randomTensor([2, 4, 3], 1, 'float64', 2, 3).dataSync());
  const masked = [false, true, false, false, false, false, true, true];
  masked.forEach((m, s) => { if (m) for (let f = 0; f < 3; f++) vals[s * 3 + f] = v; });
  vals[3 * 3 + 1] = v;
  return { x: kiln.tensor(vals, [2, 4, 3], 'float64'), masked };
}

describe('Masking', () => {
  for (const maskValue of [0, -1])
    test(`maskValue ${maskValue}: steps whose features all equal it are zeroed and masked`, () => {
      const { x, masked } = data(maskValue);
      const y = new Masking({ maskValue, dtype: 'float64' }).apply(x);
      const xs = x.dataSync();
      expectClose(y, Array.from(xs, (v, i) => (masked[Math.floor(i / 3)] ? 0 : v)), [2, 4, 3], 0, 0);
      const mask = kiln.getMask(y)!;
      expect(mask.shape).toEqual([2, 4]);
      expect(Array.from(mask.dataSync()).map(Boolean)).toEqual(masked.map((m) => !m));
    });

  test('the default maskValue is 0 and computeMask gives the same mask', () => {
    const { x, masked } = data(0);
    const layer = new Masking();
    expect(layer.maskValue).toBe(0);
    expect(Array.from((layer.computeMask(x) as kiln.Tensor).dataSync()).map(Boolean)).toEqual(masked.map((m) => !m));
  });

  test('gradients match finite differences away from masked steps, and masked steps get zero', () => {
    checkGradients((t) => new Masking({ maskValue: 5, dtype: 'float64' }).apply(t), [randomTensor([2, 3, 2], 2)]);
    const { x, masked } = data(0);
    const tape = new kiln.GradientTape();
    tape.watch([x]);
    const loss = tape.record(() => kiln.ops.sum(new Masking({ dtype: 'float64' }).apply(x)));
    const [g] = tape.gradient(loss, [x]);
    expect(Array.from(g!.dataSync())).toEqual(Array.from({ length: 24 }, (_, i) => (masked[Math.floor(i / 3)] ? 0 : 1)));
  });

  test('the config round-trips and a rank-1 input is an error naming the layer', () => {
    expectConfigRoundTrip(new Masking({ maskValue: -1, name: 'mk' }));
    expect(() => new Masking({ name: 'm1' }).apply(kiln.zeros([3])))
      .toThrow('Masking "m1": expected input of rank ≥ 2, got rank 1 (input shape [3])');
  });
});
