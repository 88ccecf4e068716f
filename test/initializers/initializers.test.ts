import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';

const I = kiln.initializers;

function stats(t: kiln.Tensor): { mean: number; variance: number; min: number; max: number } {
  const d = Array.from(t.dataSync());
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const variance = d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length;
  return { mean, variance, min: Math.min(...d), max: Math.max(...d) };
}

describe('computeFans', () => {
  test('follows Keras: scalars, vectors, matrices and convolution kernels with receptive fields', () => {
    expect(I.computeFans([])).toEqual([1, 1]);
    expect(I.computeFans([7])).toEqual([7, 7]);
    expect(I.computeFans([3, 5])).toEqual([3, 5]);
    // Conv2D kernel [kh, kw, in, out]: receptive field 3·3.
    expect(I.computeFans([3, 3, 16, 32])).toEqual([3 * 3 * 16, 3 * 3 * 32]);
    expect(I.computeFans([5, 4, 8])).toEqual([5 * 4, 5 * 8]);
  });
});

describe('variance scaling statistics', () => {
  // shape [200, 300]: 60000 samples; the relative standard error of a sample variance is about √(2/n) ≈ 0.6%.
  const shape = [200, 300];
  const [fanIn, fanOut] = [200, 300];
  const cases: [string, kiln.initializers.Initializer, number, 'uniform' | 'normal'][] = [
    ['glorotUniform', new I.GlorotUniform({ seed: 1 }), 2 / (fanIn + fanOut), 'uniform'],
    ['glorotNormal', new I.GlorotNormal({ seed: 2 }), 2 / (fanIn + fanOut), 'normal'],
    ['heUniform', new I.HeUniform({ seed: 3 }), 2 / fanIn, 'uniform'],
    ['heNormal', new I.HeNormal({ seed: 4 }), 2 / fanIn, 'normal'],
    ['lecunUniform', new I.LecunUniform({ seed: 5 }), 1 / fanIn, 'uniform'],
    ['lecunNormal', new I.LecunNormal({ seed: 6 }), 1 / fanIn, 'normal'],
    ['varianceScaling fanOut untruncated', new I.VarianceScaling({ scale: 3, mode: 'fanOut', distribution: 'untruncatedNormal', seed: 7 }), 3 / fanOut, 'normal'],
  ];
  for (const [name, init, variance, kind] of cases)
    test(`${name} has variance ${kind === 'uniform' ? 'and bounds ' : ''}as the Keras formula gives`, () => {
      const s = stats(init.apply(shape, 'float64'));
      expect(Math.abs(s.mean)).toBeLessThan(5 * Math.sqrt(variance / 60000));
      expect(Math.abs(s.variance / variance - 1)).toBeLessThan(0.03);
      if (kind === 'uniform') {
        const limit = Math.sqrt(3 * variance);
        expect(s.max).toBeLessThan(limit);
        expect(s.min).toBeGreaterThanOrEqual(-limit);
        expect(s.max).toBeGreaterThan(0.99 * limit);
      } else if (!name.includes('untruncated')) {
        // Truncated at two standard deviations of the underlying normal (stddev √variance / 0.8796).
        const bound = 2 * Math.sqrt(variance) / 0.87962566103423978;
        expect(Math.max(-s.min, s.max)).toBeLessThanOrEqual(bound * (1 + 1e-9));
      }
    });

  test('the fan of a conv kernel includes the receptive field (heNormal on [3, 3, 20, 40])', () => {
    const s = stats(new I.HeNormal({ seed: 8 }).apply([3, 3, 20, 40], 'float64'));
    expect(Math.abs(s.variance / (2 / (3 * 3 * 20)) - 1)).toBeLessThan(0.06);
  });

  test('an empty shape draws nothing, and a scalar uses fans of 1', () => {
    const init = new I.VarianceScaling({ scale: 2, mode: 'fanAvg', distribution: 'uniform', seed: 9 });
    expect(init.apply([0, 5], 'float64').shape).toEqual([0, 5]);
    // fan 1: limit √(3·2/1).
    expect(Math.abs(init.apply([], 'float64').item())).toBeLessThan(Math.sqrt(6));
  });

  test('bad scale, mode or distribution is a ValueError; snake_case spellings are accepted', () => {
    expect(() => new I.VarianceScaling({ scale: 0 })).toThrow(/VarianceScaling: scale must be a positive number/);
    expect(() => new I.VarianceScaling({ mode: 'fan' as 'fanIn' })).toThrow(/mode must be one of fanIn, fanOut, fanAvg/);
    expect(() => new I.VarianceScaling({ distribution: 'cauchy' as 'uniform' })).toThrow(/distribution must be one of/);
    const v = new I.VarianceScaling({ mode: 'fan_avg' as 'fanAvg', distribution: 'truncated_normal' as 'truncatedNormal' });
    expect([v.mode, v.distribution]).toEqual(['fanAvg', 'truncatedNormal']);
  });
});

describe('simple distributions', () => {
  test('randomNormal, randomUniform and truncatedNormal use the Keras defaults (0.05)', () => {
    const n = stats(new I.RandomNormal({ seed: 1 }).apply([100, 100], 'float64'));
    expect(Math.abs(Math.sqrt(n.variance) / 0.05 - 1)).toBeLessThan(0.03);
    const u = stats(new I.RandomUniform({ seed: 2 }).apply([100, 100], 'float64'));
    expect(u.min).toBeGreaterThanOrEqual(-0.05);
    expect(u.max).toBeLessThan(0.05);
    expect(Math.abs(u.variance / (0.1 ** 2 / 12) - 1)).toBeLessThan(0.04);
    const t = stats(new I.TruncatedNormal({ seed: 3, mean: 1, stddev: 2 }).apply([100, 100], 'float64'));
    expect(t.min).toBeGreaterThanOrEqual(1 - 4);
    expect(t.max).toBeLessThanOrEqual(1 + 4);
    expect(Math.abs(t.mean - 1)).toBeLessThan(0.05);
    // A unit normal truncated to ±2 has variance 0.7737.
    expect(Math.abs(t.variance / (4 * 0.7737) - 1)).toBeLessThan(0.04);
  });

  test('zeros, ones and constant fill the shape in the requested dtype', () => {
    expect(new I.Zeros().apply([2, 2], 'int32').array()).toEqual([[0, 0], [0, 0]]);
    expect(new I.Ones().apply([3], 'float64').array()).toEqual([1, 1, 1]);
    const c = new I.Constant({ value: 2.5 }).apply([2], 'float32');
    expect([c.dtype, c.array()]).toEqual(['float32', [2.5, 2.5]]);
  });

  test('identity gives gain·I, also for rectangular shapes, and rejects other ranks', () => {
    expect(new I.Identity({ gain: 3 }).apply([2, 3], 'float32').array()).toEqual([[3, 0, 0], [0, 3, 0]]);
    expect(() => new I.Identity().apply([2, 2, 2], 'float32')).toThrow(/Identity: can only initialize 2-D matrices/);
  });

  test('orthogonal gives orthonormal columns (tall) or rows (wide), scaled by gain', () => {
    for (const [shape, gain] of [[[6, 4], 1], [[3, 5], 2], [[2, 3, 4], 1]] as [number[], number][]) {
      const q = new I.Orthogonal({ gain, seed: 4 }).apply(shape, 'float64');
      expect(q.shape).toEqual(shape);
      const cols = shape[shape.length - 1];
      const rows = q.size / cols;
      const m = Array.from(q.dataSync());
      // Gram matrix of the smaller side must be gain²·I.
      const small = Math.min(rows, cols);
      for (let a = 0; a < small; a++)
        for (let b = 0; b < small; b++) {
          let dot = 0;
          if (rows >= cols) for (let i = 0; i < rows; i++) dot += m[i * cols + a] * m[i * cols + b];
          else for (let j = 0; j < cols; j++) dot += m[a * cols + j] * m[b * cols + j];
          expect(dot).toBeCloseTo(a === b ? gain * gain : 0, 10);
        }
    }
    expect(() => new I.Orthogonal().apply([4], 'float32')).toThrow(/Orthogonal: shape must have rank ≥ 2/);
  });
});

describe('seeds', () => {
  test('a seeded initializer gives the same values at every call and for the same seed', () => {
    const a = new I.GlorotUniform({ seed: 12 });
    const b = new I.GlorotUniform({ seed: 12 });
    const first = Array.from(a.apply([4, 4], 'float32').dataSync());
    expect(Array.from(a.apply([4, 4], 'float32').dataSync())).toEqual(first);
    expect(Array.from(b.apply([4, 4], 'float32').dataSync())).toEqual(first);
    expect(Array.from(new I.GlorotUniform({ seed: 13 }).apply([4, 4], 'float32').dataSync())).not.toEqual(first);
  });

  test('unseeded initializers differ from each other and follow kiln.ops.setRandomSeed', () => {
    kiln.ops.setRandomSeed(99);
    const a = new I.RandomNormal().apply([8], 'float32').dataSync();
    const b = new I.RandomNormal().apply([8], 'float32').dataSync();
    expect(Array.from(a)).not.toEqual(Array.from(b));
    kiln.ops.setRandomSeed(99);
    expect(Array.from(new I.RandomNormal().apply([8], 'float32').dataSync())).toEqual(Array.from(a));
  });

  test('two unseeded Dense layers get different kernels', () => {
    const d1 = new kiln.layers.Dense({ units: 3 });
    const d2 = new kiln.layers.Dense({ units: 3 });
    d1.apply(kiln.zeros([1, 3]));
    d2.apply(kiln.zeros([1, 3]));
    expect(Array.from(d1.kernel!.peek().dataSync())).not.toEqual(Array.from(d2.kernel!.peek().dataSync()));
  });
});

describe('lookup and configs', () => {
  const all: kiln.initializers.Initializer[] = [
    new I.Zeros(), new I.Ones(), new I.Constant({ value: -2 }), new I.Identity({ gain: 0.5 }),
    new I.RandomNormal({ mean: 1, stddev: 3, seed: 1 }), new I.RandomUniform({ minval: -1, maxval: 2, seed: 2 }),
    new I.TruncatedNormal({ stddev: 0.1, seed: 3 }), new I.Orthogonal({ gain: 2, seed: 4 }),
    new I.VarianceScaling({ scale: 2, mode: 'fanOut', distribution: 'uniform', seed: 5 }),
    new I.GlorotUniform({ seed: 6 }), new I.GlorotNormal(), new I.HeUniform({ seed: 7 }), new I.HeNormal(),
    new I.LecunUniform({ seed: 8 }), new I.LecunNormal(),
  ];
  for (const init of all)
    test(`${init.constructor.name} round-trips its config through JSON`, () => {
      const s = JSON.parse(JSON.stringify(I.serializeInitializer(init)));
      expect(s.className).toBe(init.constructor.name);
      const copy = I.getInitializer(s);
      expect(copy.constructor).toBe(init.constructor);
      expect(copy.getConfig()).toEqual(init.getConfig());
      if ((init.getConfig() as { seed?: unknown }).seed !== null)
        expect(Array.from(copy.apply([3, 2], 'float32').dataSync())).toEqual(Array.from(init.apply([3, 2], 'float32').dataSync()));
    });

  test('names are found in camelCase, snake_case or as class names; unknown names list the known ones', () => {
    expect(I.getInitializer('glorotUniform')).toBeInstanceOf(I.GlorotUniform);
    expect(I.getInitializer('he_normal')).toBeInstanceOf(I.HeNormal);
    expect(I.getInitializer('LecunUniform')).toBeInstanceOf(I.LecunUniform);
    expect(I.getInitializer('leCunNormal')).toBeInstanceOf(I.LecunNormal);
    expect(() => I.getInitializer('xavier')).toThrow(/getInitializer: unknown initializer "xavier"; known: .*GlorotUniform/);
    expect(new I.GlorotNormal().getConfig()).toEqual({ seed: null });
  });
});
