// Random tensors from counter-based Philox4x32-10 streams (native/rt/philox.h). A draw is a pure function of its
// attributes: the 64-bit key (from the seed) and the counter offset of its first element, element i using
// counter offset + i. Seeds and the global generator only decide which key and offset a draw gets.
import { type DType } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import { kernel } from '../core/native.js';
import { Tensor, sizeOf } from '../core/tensor.js';
import { apply1 } from './dispatch.js';
import { definePrimitive, type TensorInfo } from './registry.js';
import { checkShape } from './shape-utils.js';

const TWO_32 = 2 ** 32;

/** Attributes shared by the random primitives: what is drawn, and from which stream position. */
type StreamAttrs = {
  shape: number[];
  dtype: DType;
  /** The Philox key as two uint32 words (low, high). */
  key: number[];
  /** Counter of the first element (a non-negative safe integer). */
  counter: number;
};

/** Attributes of randomUniform. */
export type UniformAttrs = StreamAttrs & { minval: number; maxval: number };
/** Attributes of randomNormal and truncatedNormal. */
export type NormalAttrs = StreamAttrs & { mean: number; stddev: number };

function isUint32(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) < TWO_32;
}

function checkStream(op: string, a: StreamAttrs, dtypes: readonly DType[]): TensorInfo[] {
  const shape = checkShape(op, a.shape);
  if (!dtypes.includes(a.dtype))
    throw new ValueError(`${op}: dtype must be one of ${dtypes.join(', ')}, got ${JSON.stringify(a.dtype)}`);
  if (!Array.isArray(a.key) || a.key.length !== 2 || !a.key.every(isUint32))
    throw new ValueError(`${op}: key must be two uint32 words, got ${JSON.stringify(a.key)}`);
  if (!Number.isSafeInteger(a.counter) || a.counter < 0 || a.counter + sizeOf(shape) > Number.MAX_SAFE_INTEGER)
    throw new ValueError(`${op}: counter must be a non-negative safe integer, got ${a.counter}`);
  return [{ shape, dtype: a.dtype }];
}

function checkFinite(op: string, name: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${op}: ${name} must be a finite number, got ${v}`);
}

function checkUniform(a: UniformAttrs): void {
  const op = 'randomUniform';
  checkFinite(op, 'minval', a.minval);
  checkFinite(op, 'maxval', a.maxval);
  const lo = a.dtype === 'float32' ? Math.fround(a.minval) : a.minval;
  const hi = a.dtype === 'float32' ? Math.fround(a.maxval) : a.maxval;
  if (!(hi > lo)) throw new ValueError(`${op}: maxval must be greater than minval (in ${a.dtype}), got minval ` +
    `${a.minval} and maxval ${a.maxval}`);
  if (a.dtype === 'int32' && (!Number.isInteger(a.minval) || !Number.isInteger(a.maxval) ||
      a.minval < -(2 ** 31) || a.maxval > 2 ** 31))
    throw new ValueError(`${op}: int32 bounds must be integers in [-2^31, 2^31], got minval ${a.minval} and ` +
      `maxval ${a.maxval}`);
}

function checkNormal(op: string, a: NormalAttrs): void {
  checkFinite(op, 'mean', a.mean);
  checkFinite(op, 'stddev', a.stddev);
  if (a.stddev < 0) throw new ValueError(`${op}: stddev must be >= 0, got ${a.stddev}`);
}

// Runs a draw kernel: [key0, key1, offsetLo, offsetHi, p0, p1].
function draw(name: string, a: StreamAttrs, o: TensorInfo, p0: number, p1: number): Tensor[] {
  const out = Tensor.alloc(o.shape, o.dtype);
  const lo = a.counter % TWO_32;
  kernel(name).call([], [out.dataSync()], a.key, lo, (a.counter - lo) / TWO_32, p0, p1);
  return [out];
}

/** Uniform values in [minval, maxval) (float32, float64, or int32). No inputs, no gradient. */
export const randomUniformPrim = definePrimitive<UniformAttrs>({
  name: 'randomUniform',
  kind: 'random',
  infer: (_in, a) => {
    const out = checkStream('randomUniform', a, ['float32', 'float64', 'int32']);
    checkUniform(a);
    return out;
  },
  eager: (_in, a, [o]) => draw('randomUniform', a, o, a.minval, a.maxval),
});

/** Normal values (Box–Muller). No inputs, no gradient. */
export const randomNormalPrim = definePrimitive<NormalAttrs>({
  name: 'randomNormal',
  kind: 'random',
  infer: (_in, a) => {
    const out = checkStream('randomNormal', a, ['float32', 'float64']);
    checkNormal('randomNormal', a);
    return out;
  },
  eager: (_in, a, [o]) => draw('randomNormal', a, o, a.mean, a.stddev),
});

/** Normal values with those beyond 2 stddev redrawn (per element, from its own counter). No inputs, no gradient. */
export const truncatedNormalPrim = definePrimitive<NormalAttrs>({
  name: 'truncatedNormal',
  kind: 'random',
  infer: (_in, a) => {
    const out = checkStream('truncatedNormal', a, ['float32', 'float64']);
    checkNormal('truncatedNormal', a);
    return out;
  },
  eager: (_in, a, [o]) => draw('truncatedNormal', a, o, a.mean, a.stddev),
});

// Two's complement of a seed as a 64-bit key, so that negative seeds are distinct keys too.
function keyOf(op: string, seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`${op}: seed must be a safe integer, got ${seed}`);
  const bits = BigInt.asUintN(64, BigInt(seed));
  return [Number(bits & 0xffffffffn), Number(bits >> 32n)];
}

/**
 * A seed and a counter, as Keras 3 `keras.random.SeedGenerator`: each draw seeded with it takes the next
 * counters (as many as it draws elements), so successive draws differ and the whole sequence is reproducible.
 */
export class SeedGenerator {
  /** The seed the generator was made with. */
  readonly seed: number;
  /** The Philox key derived from the seed (low, high words). */
  readonly key: readonly [number, number];
  private next = 0;

  /** A generator for `seed` (an integer); without one, a seed is picked at random. */
  constructor(seed?: number) {
    this.seed = seed ?? Math.floor(Math.random() * TWO_32);
    this.key = keyOf('SeedGenerator', this.seed);
  }

  /** Counter of the next element to be drawn. */
  get counter(): number {
    return this.next;
  }

  /** Marks `draws` elements as used (random ops call this after each draw). */
  advance(draws: number): void {
    if (!Number.isSafeInteger(this.next + draws) || draws < 0)
      throw new ValueError(`SeedGenerator: cannot advance by ${draws} from counter ${this.next}`);
    this.next += draws;
  }
}

let globalGenerator = new SeedGenerator();

/** Seeds the global generator that random ops without a `seed` use (Keras `keras.utils.set_random_seed`). */
export function setRandomSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`setRandomSeed: seed must be a safe integer, got ${seed}`);
  globalGenerator = new SeedGenerator(seed);
}

/** A seed: an integer (the same draw every time) or a SeedGenerator (advanced by each draw). */
export type Seed = number | SeedGenerator;

/** Options of randomUniform. */
export interface UniformOptions {
  /** Lower bound, included (default 0). */
  minval?: number;
  /** Upper bound, excluded (default 1). */
  maxval?: number;
  /** float32 (default), float64 or int32. */
  dtype?: DType;
  /** Default: the global generator. */
  seed?: Seed;
}

/** Options of randomNormal and truncatedNormal. */
export interface NormalOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation (default 1). */
  stddev?: number;
  /** float32 (default) or float64. */
  dtype?: DType;
  /** Default: the global generator. */
  seed?: Seed;
}

// Runs a draw on the stream `seed` selects; a generator advances only when the draw succeeded.
function withStream(op: string, seed: Seed | undefined, run: (key: number[], counter: number) => Tensor): Tensor {
  const gen = seed === undefined ? globalGenerator : seed instanceof SeedGenerator ? seed : null;
  const out = gen ? run([...gen.key], gen.counter) : run(keyOf(op, seed as number), 0);
  gen?.advance(sizeOf(out.shape));
  return out;
}

/** Uniform random values in [minval, maxval) of `shape` (Keras `keras.random.uniform`; int32 allowed). */
export function randomUniform(shape: readonly number[], options: UniformOptions = {}): Tensor {
  const { minval = 0, maxval = 1, dtype = 'float32', seed } = options;
  const s = checkShape('randomUniform', shape);
  return withStream('randomUniform', seed, (key, counter) =>
    apply1(randomUniformPrim, [], { shape: s, dtype, key, counter, minval, maxval }));
}

/** Normal random values of `shape` (Keras `keras.random.normal`). */
export function randomNormal(shape: readonly number[], options: NormalOptions = {}): Tensor {
  const { mean = 0, stddev = 1, dtype = 'float32', seed } = options;
  const s = checkShape('randomNormal', shape);
  return withStream('randomNormal', seed, (key, counter) =>
    apply1(randomNormalPrim, [], { shape: s, dtype, key, counter, mean, stddev }));
}

/**
 * Normal random values of `shape` with values more than 2 stddev from the mean redrawn
 * (Keras `keras.random.truncated_normal`; the variance is about 0.7737 stddev²).
 */
export function truncatedNormal(shape: readonly number[], options: NormalOptions = {}): Tensor {
  const { mean = 0, stddev = 1, dtype = 'float32', seed } = options;
  const s = checkShape('truncatedNormal', shape);
  return withStream('truncatedNormal', seed, (key, counter) =>
    apply1(truncatedNormalPrim, [], { shape: s, dtype, key, counter, mean, stddev }));
}
