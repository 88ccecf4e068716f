import { describe, expect, test } from 'vitest';
import * as kiln from '../../src/index.js';
import { kernel } from '../../src/core/native.js';
import { apply1 } from '../../src/ops/dispatch.js';
import { randomUniformPrim } from '../../src/ops/random.js';

const { randomUniform, randomNormal, truncatedNormal, SeedGenerator, setRandomSeed } = kiln.ops;

// ---- an independent float64 reference: Philox4x32-10 in BigInt, from the Salmon et al. definition ----
const M32 = 0xffffffffn;
function philoxRef(ctr: readonly number[], key: readonly number[]): number[] {
  let c = ctr.map(BigInt);
  let k0 = BigInt(key[0]);
  let k1 = BigInt(key[1]);
  for (let r = 0; r < 10; r++) {
    if (r > 0) {
      k0 = (k0 + 0x9e3779b9n) & M32;
      k1 = (k1 + 0xbb67ae85n) & M32;
    }
    const p0 = 0xd2511f53n * c[0];
    const p1 = 0xcd9e8d57n * c[2];
    c = [(p1 >> 32n) ^ c[1] ^ k0, p1 & M32, (p0 >> 32n) ^ c[3] ^ k1, p0 & M32];
  }
  return c.map(Number);
}
// Element `index` of a stream: counter words (lo32(index), hi32(index), attempt, 0).
function blockRef(index: number, key: readonly number[], attempt = 0): number[] {
  return philoxRef([index % 2 ** 32, Math.floor(index / 2 ** 32), attempt, 0], key);
}
const unit53 = (lo: number, hi: number): number => Number(((BigInt(hi) << 32n) | BigInt(lo)) >> 11n) / 2 ** 53;
function normalRef(b: number[]): number {
  return Math.sqrt(-2 * Math.log(1 - unit53(b[0], b[1]))) * Math.cos(2 * Math.PI * unit53(b[2], b[3]));
}

const flat = (t: kiln.Tensor): number[] => Array.from(t.dataSync());

// ---- statistics helpers ----
// Abramowitz & Stegun 7.1.26, |error| < 1.5e-7: far below the KS critical values used here.
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t *
    Math.exp(-a * a);
  return s * y;
}
const normalCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));
const normalPdf = (x: number): number => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);

function moments(v: ArrayLike<number>): { mean: number; variance: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    if (v[i] < min) min = v[i];
    if (v[i] > max) max = v[i];
  }
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, variance: q / (v.length - 1), min, max };
}

// Kolmogorov–Smirnov statistic of the sample against `cdf`.
function ksStatistic(v: ArrayLike<number>, cdf: (x: number) => number): number {
  const s = Float64Array.from(v).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(s[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}
const ks1Percent = (n: number): number => 1.628 / Math.sqrt(n);

describe('Philox4x32-10', () => {
  // Random123 tests/kat_vectors, rows "philox4x32 10": counter[4] key[2] -> output[4].
  const kat: [number[], number[], number[]][] = [
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff],
      [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0],
      [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ];

  test.each(kat)('the native block for counter %j and key %j matches the Random123 known answer', (ctr, key, want) => {
    const out = new Int32Array(4);
    kernel('philox4x32').call([], [out], ctr, key);
    expect(Array.from(out, (w) => w >>> 0)).toEqual(want);
  });

  test.each(kat)('the test reference for counter %j and key %j matches the Random123 known answer', (c, k, want) => {
    expect(philoxRef(c, k)).toEqual(want);
  });

  test('a seed-0 float64 uniform draw starts with the first known-answer block', () => {
    const u = randomUniform([1], { dtype: 'float64', seed: 0 }).dataSync()[0];
    expect(u).toBe(unit53(0x6627e8d5, 0xe169c58d));
  });
});

describe('values against the reference transforms', () => {
  const seed = 0x1234_5678_9abc;
  const key = [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];

  test('float32 uniform uses the top 24 bits of word 0', () => {
    const got = flat(randomUniform([3, 5], { minval: -2, maxval: 3, seed }));
    const want = got.map((_, i) => Math.fround(-2 + 5 * ((blockRef(i, key)[0] >>> 8) / 2 ** 24)));
    expect(got).toEqual(want);
  });

  test('float64 uniform uses 53 bits of words 0 and 1', () => {
    const got = flat(randomUniform([17], { minval: 1, maxval: 1.5, dtype: 'float64', seed }));
    expect(got).toEqual(got.map((_, i) => { const b = blockRef(i, key); return 1 + 0.5 * unit53(b[0], b[1]); }));
  });

  test('int32 uniform reduces 64 bits modulo the range', () => {
    const got = flat(randomUniform([40], { minval: -7, maxval: 6, dtype: 'int32', seed }));
    const want = got.map((_, i) => {
      const b = blockRef(i, key);
      return -7 + Number(((BigInt(b[1]) << 32n) | BigInt(b[0])) % 13n);
    });
    expect(got).toEqual(want);
  });

  test('normal draws are Box–Muller over two 53-bit uniforms, and float32 rounds the float64 value', () => {
    const f64 = flat(randomNormal([50], { mean: 0.5, stddev: 2, dtype: 'float64', seed }));
    const f32 = flat(randomNormal([50], { mean: 0.5, stddev: 2, seed }));
    for (let i = 0; i < 50; i++) {
      const want = 0.5 + 2 * normalRef(blockRef(i, key));
      expect(f64[i]).toBeCloseTo(want, 12);
      expect(Math.abs(f32[i] - want)).toBeLessThanOrEqual(Math.abs(want) * 2 ** -23 + 1e-12);
    }
  });

  test('truncated normal redraws each out-of-range element from its own counter with the next attempt word', () => {
    const got = flat(truncatedNormal([400], { dtype: 'float64', seed }));
    let redrawn = 0;
    for (let i = 0; i < got.length; i++) {
      let attempt = 0;
      let z = normalRef(blockRef(i, key, attempt));
      while (Math.abs(z) > 2) z = normalRef(blockRef(i, key, ++attempt));
      if (attempt > 0) redrawn++;
      expect(got[i]).toBeCloseTo(z, 12);
    }
    expect(redrawn).toBeGreaterThan(0);
  });

  test('the counter carries into the high word past 2^32', () => {
    const g = new SeedGenerator(seed);
    g.advance(2 ** 32 - 2);
    const got = flat(randomUniform([4], { dtype: 'float64', seed: g }));
    const want = [0, 1, 2, 3].map((j) => { const b = blockRef(2 ** 32 - 2 + j, key); return unit53(b[0], b[1]); });
    expect(got).toEqual(want);
  });
});

describe('reproducibility', () => {
  test('the same integer seed gives identical tensors', () => {
    expect(flat(randomNormal([4, 6], { seed: 42 }))).toEqual(flat(randomNormal([4, 6], { seed: 42 })));
    expect(flat(truncatedNormal([9], { seed: 42 }))).toEqual(flat(truncatedNormal([9], { seed: 42 })));
    expect(flat(randomUniform([9], { seed: 42, dtype: 'int32', maxval: 100 })))
      .toEqual(flat(randomUniform([9], { seed: 42, dtype: 'int32', maxval: 100 })));
  });

  test('different seeds give different tensors, negative seeds included', () => {
    const draws = [1, 2, -1, 2 ** 32, -(2 ** 40)].map((seed) => flat(randomUniform([8], { seed })));
    for (let i = 0; i < draws.length; i++)
      for (let j = i + 1; j < draws.length; j++) expect(draws[i]).not.toEqual(draws[j]);
  });

  test('a SeedGenerator advances its counter by the number of elements drawn', () => {
    const g = new SeedGenerator(5);
    expect(g.counter).toBe(0);
    const a = flat(randomNormal([2, 3], { seed: g }));
    expect(g.counter).toBe(6);
    const b = flat(randomNormal([2, 3], { seed: g }));
    expect(g.counter).toBe(12);
    expect(a).not.toEqual(b);
    randomNormal([0, 3], { seed: g });
    expect(g.counter).toBe(12);
  });

  test('an integer seed draws what a fresh SeedGenerator with that seed draws first', () => {
    expect(flat(randomUniform([7], { seed: 11 }))).toEqual(flat(randomUniform([7], { seed: new SeedGenerator(11) })));
  });

  test('a later draw from a generator equals the matching slice of one long draw', () => {
    const g = new SeedGenerator(9);
    randomNormal([1000], { seed: g, dtype: 'float64' });
    const tail = flat(randomNormal([10, 30], { seed: g, dtype: 'float64' }));
    expect(tail).toEqual(flat(randomNormal([1300], { seed: 9, dtype: 'float64' })).slice(1000));

    const t = new SeedGenerator(9);
    truncatedNormal([123], { seed: t });
    expect(flat(truncatedNormal([77], { seed: t }))).toEqual(flat(truncatedNormal([200], { seed: 9 })).slice(123));
  });

  test('a primitive draw at a counter offset equals that slice of a draw from zero', () => {
    const attrs = { dtype: 'float32' as const, key: [3, 4], minval: 0, maxval: 1 };
    const whole = flat(apply1(randomUniformPrim, [], { ...attrs, shape: [500], counter: 0 }));
    const part = flat(apply1(randomUniformPrim, [], { ...attrs, shape: [5, 20], counter: 321 }));
    expect(part).toEqual(whole.slice(321, 421));
  });

  test('unseeded draws use and advance the global generator that setRandomSeed resets', () => {
    setRandomSeed(3);
    const a = flat(randomNormal([10]));
    const b = flat(randomNormal([10]));
    expect(a).not.toEqual(b);
    setRandomSeed(3);
    expect(flat(randomNormal([20]))).toEqual([...a, ...b]);
    expect(a).toEqual(flat(randomNormal([10], { seed: 3 })));
  });

  test('a failed draw does not advance the generator', () => {
    const g = new SeedGenerator(1);
    expect(() => randomUniform([4], { seed: g, minval: 1, maxval: 1 })).toThrow(kiln.ValueError);
    expect(g.counter).toBe(0);
  });
});

describe('shapes and dtypes', () => {
  test('scalars and zero-size shapes are drawn with the requested dtype', () => {
    const s = randomNormal([], { dtype: 'float64', seed: 1 });
    expect(s.shape).toEqual([]);
    expect(s.dtype).toBe('float64');
    expect(Number.isFinite(s.item())).toBe(true);
    const z = truncatedNormal([3, 0, 2], { seed: 1 });
    expect(z.shape).toEqual([3, 0, 2]);
    expect(z.dataSync().length).toBe(0);
    expect(randomUniform([2], { dtype: 'int32', seed: 1 }).dtype).toBe('int32');
    expect(randomUniform([2]).dtype).toBe('float32');
  });

  test('a zero stddev gives the mean everywhere', () => {
    expect(flat(randomNormal([5], { mean: 1.25, stddev: 0, seed: 2 }))).toEqual([1.25, 1.25, 1.25, 1.25, 1.25]);
  });

  test('int32 uniform covers the full int32 range without overflow', () => {
    const v = flat(randomUniform([1000], { minval: -(2 ** 31), maxval: 2 ** 31, dtype: 'int32', seed: 4 }));
    expect(v.some((x) => x < -(2 ** 30))).toBe(true);
    expect(v.some((x) => x > 2 ** 30)).toBe(true);
  });

  test('a narrow float32 interval stays half-open even where rounding would reach maxval', () => {
    const lo = 1;
    const hi = 1 + 2 ** -23; // adjacent float32 values: every draw must be exactly lo
    expect(new Set(flat(randomUniform([1000], { minval: lo, maxval: hi, seed: 8 })))).toEqual(new Set([lo]));
  });
});

describe('statistics of 1e6 samples', () => {
  const n = 1_000_000;

  test('float32 uniform has the range, mean, variance and distribution of U[-1, 3)', () => {
    const v = randomUniform([n], { minval: -1, maxval: 3, seed: 101 }).dataSync();
    const m = moments(v);
    expect(m.min).toBeGreaterThanOrEqual(-1);
    expect(m.max).toBeLessThan(3);
    expect(Math.abs(m.mean - 1)).toBeLessThan(5 * Math.sqrt(16 / 12 / n));
    expect(Math.abs(m.variance - 16 / 12)).toBeLessThan(0.01);
    expect(ksStatistic(v, (x) => (x + 1) / 4)).toBeLessThan(ks1Percent(n));
  });

  test('int32 uniform hits every value in [-3, 7) equally often (chi-square below the 1% critical value)', () => {
    const v = randomUniform([n], { minval: -3, maxval: 7, dtype: 'int32', seed: 102 }).dataSync();
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < v.length; i++) counts[v[i] + 3]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
    const e = n / 10;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(21.666); // 9 degrees of freedom
  });

  test('float32 normal has the mean, variance and distribution of N(0, 1)', () => {
    const v = randomNormal([n], { seed: 103 }).dataSync();
    const m = moments(v);
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(ksStatistic(v, normalCdf)).toBeLessThan(ks1Percent(n));
  });

  test('float64 normal with mean 3 and stddev 0.5 has that distribution', () => {
    const v = randomNormal([n], { mean: 3, stddev: 0.5, dtype: 'float64', seed: 104 }).dataSync();
    const m = moments(v);
    expect(Math.abs(m.mean - 3)).toBeLessThan(5 * 0.5 / Math.sqrt(n));
    expect(Math.abs(m.variance - 0.25)).toBeLessThan(5 * 0.25 * Math.sqrt(2 / n));
    expect(ksStatistic(v, (x) => normalCdf((x - 3) / 0.5))).toBeLessThan(ks1Percent(n));
  });

  test('truncated normal stays within 2 stddev with the truncated variance and distribution', () => {
    const mean = -1;
    const sd = 1.5;
    const v = truncatedNormal([n], { mean, stddev: sd, seed: 105 }).dataSync();
    const m = moments(v);
    expect(m.min).toBeGreaterThanOrEqual(mean - 2 * sd - 1e-6);
    expect(m.max).toBeLessThanOrEqual(mean + 2 * sd + 1e-6);
    const mass = normalCdf(2) - normalCdf(-2);
    const unitVariance = 1 - (2 * 2 * normalPdf(2)) / mass; // ≈ 0.7737
    expect(unitVariance).toBeCloseTo(0.7737, 4);
    expect(Math.abs(m.mean - mean)).toBeLessThan(5 * sd * Math.sqrt(unitVariance / n));
    expect(Math.abs(m.variance - unitVariance * sd * sd)).toBeLessThan(0.01);
    const cdf = (x: number): number => Math.min(1, Math.max(0, (normalCdf((x - mean) / sd) - normalCdf(-2)) / mass));
    expect(ksStatistic(v, cdf)).toBeLessThan(ks1Percent(n));
  });
});

describe('bad arguments', () => {
  test('the native kernels reject out-of-range arguments and wrong buffers', () => {
    expect(() => kernel('randomUniform').call([], [new Float32Array(2)], 2 ** 32, 0, 0, 0, 0, 1)).toThrow(/key word 0/);
    expect(() => kernel('randomUniform').call([], [new Float32Array(2)], 0, 0, 0, 0, 1, 0)).toThrow(/maxval/);
    expect(() => kernel('randomNormal').call([], [new Int32Array(2)], 0, 0, 0, 0, 0, 1)).toThrow(/float dtype/);
    expect(() => kernel('truncatedNormal').call([], [new Float64Array(2)], 0, 0, 0)).toThrow(/missing argument/);
    expect(() => kernel('philox4x32').call([], [new Int32Array(3)], [0, 0, 0, 0], [0, 0])).toThrow(/4 elements/);
  });

  test('a negative or fractional shape is a ShapeError naming the op', () => {
    expect(() => randomUniform([2, -1])).toThrow(kiln.ShapeError);
    expect(() => randomUniform([2, -1])).toThrow(/randomUniform: invalid shape \[2,-1\]/);
    expect(() => randomNormal([1.5])).toThrow(/randomNormal: invalid shape/);
    expect(() => truncatedNormal([-3])).toThrow(/truncatedNormal: invalid shape/);
  });

  test('maxval not above minval is a ValueError naming the op and both bounds', () => {
    expect(() => randomUniform([2], { minval: 1, maxval: 1 })).toThrow(kiln.ValueError);
    expect(() => randomUniform([2], { minval: 2, maxval: 1, dtype: 'float64' }))
      .toThrow(/randomUniform: maxval must be greater than minval .*minval 2 and maxval 1/);
    expect(() => randomUniform([2], { minval: 1, maxval: 1 + 1e-12 })).toThrow(/in float32/);
  });

  test('an unknown or unsupported dtype is a ValueError naming the op', () => {
    expect(() => randomUniform([2], { dtype: 'float16' as kiln.DType })).toThrow(/randomUniform: dtype must be one of/);
    expect(() => randomUniform([2], { dtype: 'bool' })).toThrow(kiln.ValueError);
    expect(() => randomNormal([2], { dtype: 'int32' }))
      .toThrow(/randomNormal: dtype must be one of float32, float64, got "int32"/);
    expect(() => truncatedNormal([2], { dtype: 'bool' })).toThrow(/truncatedNormal: dtype/);
  });

  test('fractional int32 bounds, negative stddev and non-finite parameters are ValueErrors', () => {
    expect(() => randomUniform([2], { minval: 0.5, maxval: 4, dtype: 'int32' })).toThrow(/randomUniform: int32 bounds/);
    expect(() => randomUniform([2], { maxval: 2 ** 31 + 1, dtype: 'int32' })).toThrow(/randomUniform: int32 bounds/);
    expect(() => randomNormal([2], { stddev: -1 })).toThrow(/randomNormal: stddev must be >= 0, got -1/);
    expect(() => truncatedNormal([2], { mean: NaN })).toThrow(/truncatedNormal: mean must be a finite number/);
    expect(() => randomUniform([2], { maxval: Infinity })).toThrow(kiln.ValueError);
  });

  test('a non-integer seed is a ValueError', () => {
    expect(() => randomNormal([2], { seed: 1.5 })).toThrow(/randomNormal: seed must be a safe integer, got 1.5/);
    expect(() => new SeedGenerator(2 ** 60)).toThrow(/SeedGenerator: seed must be a safe integer/);
    expect(() => setRandomSeed(NaN)).toThrow(kiln.ValueError);
  });

  test('a primitive with a malformed key or counter is a ValueError naming the op', () => {
    const attrs = { shape: [2], dtype: 'float32' as const, minval: 0, maxval: 1 };
    expect(() => apply1(randomUniformPrim, [], { ...attrs, key: [2 ** 32, 0], counter: 0 }))
      .toThrow(/randomUniform: key must be two uint32 words/);
    expect(() => apply1(randomUniformPrim, [], { ...attrs, key: [0, 0], counter: -1 }))
      .toThrow(/randomUniform: counter must be a non-negative safe integer/);
  });
});
