// Random tensors from counter-based Philox4x32-10 streams (native/rt/philox.h). A draw is a pure function of its
// 64-bit key and the counter of its first element, element i using counter + i. An integer seed fixes both in
// the attributes. A SeedGenerator keeps [key0, key1, counter] in a float64 variable that the draw takes as its
// input and then advances: traced functions read and assign it as graph state, so every run of a compiled step
// draws what the same eager step would have drawn.
import { type DType } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import { Tensor, sizeOf } from '../core/tensor.js';
import { Variable } from '../core/variable.js';
import { tensor } from './creation.js';
import { apply1, isTracing } from './dispatch.js';
import { definePrimitive, type KernelCallSpec, type TensorInfo } from './registry.js';
import { checkShape } from './shape-utils.js';

const TWO_32 = 2 ** 32;

/**
 * Attributes shared by the random primitives: what is drawn, and from which stream position. A random primitive
 * takes no input (the stream is `key` and `counter`) or one: a generator state float64[3] = [key0, key1,
 * counter], which then gives the key (`key` absent) and whose counter `counter` offsets.
 */
type StreamAttrs = {
  shape: number[];
  dtype: DType;
  /** The Philox key as two uint32 words (low, high); absent when a generator state input gives it. */
  key?: number[];
  /** Counter of the first element, or its offset from the state's counter (a non-negative safe integer). */
  counter: number;
};

/** Attributes of randomUniform. */
export type UniformAttrs = StreamAttrs & { minval: number; maxval: number };
/** Attributes of randomNormal and truncatedNormal. */
export type NormalAttrs = StreamAttrs & { mean: number; stddev: number };

function isUint32(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) < TWO_32;
}

/** Shape of a SeedGenerator's float64 state [key0, key1, counter] (integers, exact in float64). */
const STATE_SHAPE = [3];

function checkStream(op: string, inputs: readonly TensorInfo[], a: StreamAttrs, dtypes: readonly DType[]):
    TensorInfo[] {
  const shape = checkShape(op, a.shape);
  if (!dtypes.includes(a.dtype))
    throw new ValueError(`${op}: dtype must be one of ${dtypes.join(', ')}, got ${JSON.stringify(a.dtype)}`);
  if (inputs.length > 1)
    throw new ValueError(`${op}: expected no input or a generator state, got ${inputs.length} inputs`);
  if (inputs.length === 1) {
    const [st] = inputs;
    if (st.dtype !== 'float64' || st.shape.length !== 1 || st.shape[0] !== STATE_SHAPE[0])
      throw new ValueError(`${op}: the generator state must be float64[3], got ${st.dtype}[${st.shape.join(',')}]`);
    if (a.key !== undefined)
      throw new ValueError(`${op}: a key attribute cannot come with a generator state input (the state holds the key)`);
  } else if (!Array.isArray(a.key) || a.key.length !== 2 || !a.key.every(isUint32)) {
    throw new ValueError(`${op}: key must be two uint32 words, got ${JSON.stringify(a.key)}`);
  }
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

// The draw kernel's call: [key0, key1, offsetLo, offsetHi, p0, p1] (key words unused with a state input).
function drawCall(name: string, a: StreamAttrs, p0: number, p1: number): KernelCallSpec {
  const lo = a.counter % TWO_32;
  return { kernel: name, args: [a.key ?? [0, 0], lo, (a.counter - lo) / TWO_32, p0, p1] };
}

/** Uniform values in [minval, maxval) (float32, float64, or int32). Input: none or a generator state. No gradient. */
export const randomUniformPrim = definePrimitive<UniformAttrs>({
  name: 'randomUniform',
  kind: 'random',
  infer: (inputs, a) => {
    const out = checkStream('randomUniform', inputs, a, ['float32', 'float64', 'int32']);
    checkUniform(a);
    return out;
  },
  kernelCall: (_in, a) => drawCall('randomUniform', a, a.minval, a.maxval),
});

/** Normal values (Box–Muller). Input: none or a generator state. No gradient. */
export const randomNormalPrim = definePrimitive<NormalAttrs>({
  name: 'randomNormal',
  kind: 'random',
  infer: (inputs, a) => {
    const out = checkStream('randomNormal', inputs, a, ['float32', 'float64']);
    checkNormal('randomNormal', a);
    return out;
  },
  kernelCall: (_in, a) => drawCall('randomNormal', a, a.mean, a.stddev),
});

/** Normal values with those beyond 2 stddev redrawn (per element, from its own counter). No gradient. */
export const truncatedNormalPrim = definePrimitive<NormalAttrs>({
  name: 'truncatedNormal',
  kind: 'random',
  infer: (inputs, a) => {
    const out = checkStream('truncatedNormal', inputs, a, ['float32', 'float64']);
    checkNormal('truncatedNormal', a);
    return out;
  },
  kernelCall: (_in, a) => drawCall('truncatedNormal', a, a.mean, a.stddev),
});

// Two's complement of a seed as a 64-bit key, so that negative seeds are distinct keys too.
function keyOf(op: string, seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`${op}: seed must be a safe integer, got ${seed}`);
  const bits = BigInt.asUintN(64, BigInt(seed));
  return [Number(bits & 0xffffffffn), Number(bits >> 32n)];
}

function initialState(key: readonly number[]): Tensor {
  return tensor([key[0], key[1], 0], STATE_SHAPE, 'float64');
}

/**
 * A seed and a counter, as Keras 3 `keras.random.SeedGenerator`: each draw seeded with it takes the next
 * counters (as many as it draws elements), so successive draws differ and the whole sequence is reproducible.
 * Its state is a variable, so draws inside traced (compiled) functions advance it at every run, as eager
 * draws do.
 */
export class SeedGenerator {
  #seed: number;
  #key: readonly [number, number];
  #state: Variable | null = null;

  /** A generator for `seed` (an integer); without one, a seed is picked at random. */
  constructor(seed?: number) {
    this.#seed = seed ?? Math.floor(Math.random() * TWO_32);
    this.#key = keyOf('SeedGenerator', this.#seed);
  }

  /** The seed the generator was made with. */
  get seed(): number {
    return this.#seed;
  }

  /** The Philox key derived from the seed (low, high words). */
  get key(): readonly [number, number] {
    return this.#key;
  }

  /**
   * The state variable [key0, key1, counter] (float64, not trainable), made at the first draw so that
   * generators nobody draws from hold no buffer.
   */
  get state(): Variable {
    this.#state ??= new Variable(initialState(this.#key), 'seed_generator_state', false);
    return this.#state;
  }

  /** Counter of the next element to be drawn (read eagerly; not inside a traced function). */
  get counter(): number {
    return this.#state ? this.#state.peek().dataSync()[2] : 0;
  }

  /** Marks `draws` elements as used (random ops call this after each draw; recorded while tracing). */
  advance(draws: number): void {
    if (!Number.isSafeInteger(draws) || draws < 0 || (!isTracing() && !Number.isSafeInteger(this.counter + draws)))
      throw new ValueError(`SeedGenerator: cannot advance by ${draws} from counter ` +
        `${isTracing() ? '(traced)' : this.counter}`);
    if (draws > 0) this.state.assignAdd(tensor([0, 0, draws], STATE_SHAPE, 'float64'));
  }

  /** @internal Restarts the generator from `seed` (setRandomSeed), in place: compiled steps keep its state. */
  reseed(seed: number): void {
    this.#seed = seed;
    this.#key = keyOf('SeedGenerator', seed);
    this.#state?.assign(initialState(this.#key));
  }
}

// One object for the process: compiled functions hold its state variable, so setRandomSeed reseeds it in place.
const globalGenerator = new SeedGenerator();

/** Seeds the global generator that random ops without a `seed` use (Keras `keras.utils.set_random_seed`). */
export function setRandomSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new ValueError(`setRandomSeed: seed must be a safe integer, got ${seed}`);
  globalGenerator.reseed(seed);
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

// Runs a draw on the stream `seed` selects: a fixed key for an integer seed, else the generator's state (a graph
// value while tracing), which advances only when the draw succeeded.
function withStream(op: string, seed: Seed | undefined,
                    run: (inputs: Tensor[], key: number[] | undefined) => Tensor): Tensor {
  if (typeof seed === 'number') return run([], keyOf(op, seed));
  const gen = seed instanceof SeedGenerator ? seed : globalGenerator;
  const out = run([gen.state.peek()], undefined);
  gen.advance(sizeOf(out.shape));
  return out;
}

/** Uniform random values in [minval, maxval) of `shape` (Keras `keras.random.uniform`; int32 allowed). */
export function randomUniform(shape: readonly number[], options: UniformOptions = {}): Tensor {
  const { minval = 0, maxval = 1, dtype = 'float32', seed } = options;
  const s = checkShape('randomUniform', shape);
  return withStream('randomUniform', seed, (inputs, key) =>
    apply1(randomUniformPrim, inputs, { shape: s, dtype, ...(key && { key }), counter: 0, minval, maxval }));
}

/** Normal random values of `shape` (Keras `keras.random.normal`). */
export function randomNormal(shape: readonly number[], options: NormalOptions = {}): Tensor {
  const { mean = 0, stddev = 1, dtype = 'float32', seed } = options;
  const s = checkShape('randomNormal', shape);
  return withStream('randomNormal', seed, (inputs, key) =>
    apply1(randomNormalPrim, inputs, { shape: s, dtype, ...(key && { key }), counter: 0, mean, stddev }));
}

/**
 * Normal random values of `shape` with values more than 2 stddev from the mean redrawn
 * (Keras `keras.random.truncated_normal`; the variance is about 0.7737 stddev²).
 */
export function truncatedNormal(shape: readonly number[], options: NormalOptions = {}): Tensor {
  const { mean = 0, stddev = 1, dtype = 'float32', seed } = options;
  const s = checkShape('truncatedNormal', shape);
  return withStream('truncatedNormal', seed, (inputs, key) =>
    apply1(truncatedNormalPrim, inputs, { shape: s, dtype, ...(key && { key }), counter: 0, mean, stddev }));
}
