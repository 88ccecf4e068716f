// Random initializers. As in Keras 3, an initializer made without a seed picks one when constructed (here from
// the global generator, so kiln.ops.setRandomSeed makes it reproducible): calling it twice gives the same values,
// and each layer gets its own initializer instance.
import type { DType } from '../core/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/creation.js';
import { randomNormal, randomUniform, truncatedNormal } from '../ops/random.js';
import { defaultSeed } from '../engine/default-seed.js';
import type { Config } from '../engine/registry.js';
import { Initializer } from './initializer.js';

/** Options shared by random initializers. */
export interface SeedOptions {
  /** An integer seed; null or absent: one is drawn from the global generator. */
  seed?: number | null;
}

/** Base of initializers that draw random values from a fixed seed. */
export abstract class RandomInitializer extends Initializer {
  /** The seed the draws use. */
  readonly seed: number;
  /** The seed as given (null: drawn), which is what the config records. */
  readonly #givenSeed: number | null;

  constructor({ seed = null }: SeedOptions = {}) {
    super();
    if (seed !== null && !Number.isSafeInteger(seed))
      throw new ValueError(`${new.target.name}: seed must be an integer or null, got ${seed}`);
    this.#givenSeed = seed;
    this.seed = seed ?? defaultSeed();
  }

  override getConfig(): Config {
    return { seed: this.#givenSeed };
  }
}

/** Options of RandomNormal and TruncatedNormal. */
export interface NormalInitOptions extends SeedOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation (default 0.05). */
  stddev?: number;
}

/** Normal values (Keras defaults mean 0, stddev 0.05). */
export class RandomNormal extends RandomInitializer {
  readonly mean: number;
  readonly stddev: number;
  constructor({ mean = 0, stddev = 0.05, seed }: NormalInitOptions = {}) {
    super({ seed });
    this.mean = mean;
    this.stddev = stddev;
  }
  apply(shape: readonly number[], dtype: DType): Tensor {
    return randomNormal(shape, { mean: this.mean, stddev: this.stddev, dtype, seed: this.seed });
  }
  override getConfig(): Config {
    return { mean: this.mean, stddev: this.stddev, ...super.getConfig() };
  }
}

/** Normal values with those beyond two standard deviations redrawn (Keras defaults mean 0, stddev 0.05). */
export class TruncatedNormal extends RandomInitializer {
  readonly mean: number;
  readonly stddev: number;
  constructor({ mean = 0, stddev = 0.05, seed }: NormalInitOptions = {}) {
    super({ seed });
    this.mean = mean;
    this.stddev = stddev;
  }
  apply(shape: readonly number[], dtype: DType): Tensor {
    return truncatedNormal(shape, { mean: this.mean, stddev: this.stddev, dtype, seed: this.seed });
  }
  override getConfig(): Config {
    return { mean: this.mean, stddev: this.stddev, ...super.getConfig() };
  }
}

/** Options of RandomUniform. */
export interface UniformInitOptions extends SeedOptions {
  /** Lower bound (default -0.05). */
  minval?: number;
  /** Upper bound (default 0.05). */
  maxval?: number;
}

/** Uniform values in [minval, maxval) (Keras defaults ±0.05). */
export class RandomUniform extends RandomInitializer {
  readonly minval: number;
  readonly maxval: number;
  constructor({ minval = -0.05, maxval = 0.05, seed }: UniformInitOptions = {}) {
    super({ seed });
    this.minval = minval;
    this.maxval = maxval;
  }
  apply(shape: readonly number[], dtype: DType): Tensor {
    return randomUniform(shape, { minval: this.minval, maxval: this.maxval, dtype, seed: this.seed });
  }
  override getConfig(): Config {
    return { minval: this.minval, maxval: this.maxval, ...super.getConfig() };
  }
}

/** Options of Orthogonal. */
export interface OrthogonalOptions extends SeedOptions {
  /** Multiplies the orthogonal matrix (default 1). */
  gain?: number;
}

/**
 * A random orthogonal matrix (Keras `Orthogonal`): the Q factor, with a positive-diagonal R, of a normal matrix of
 * shape (max(rows, cols), min(rows, cols)), where rows is the product of all axes but the last; transposed when
 * rows < cols, then reshaped to `shape` and scaled by gain.
 */
export class Orthogonal extends RandomInitializer {
  readonly gain: number;
  constructor({ gain = 1, seed }: OrthogonalOptions = {}) {
    super({ seed });
    this.gain = gain;
  }
  apply(shape: readonly number[], dtype: DType): Tensor {
    if (shape.length < 2)
      throw new ShapeError(`Orthogonal: shape must have rank ≥ 2, got ${fmtShape(shape)}`);
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    const cols = shape[shape.length - 1];
    const n = Math.max(rows, cols), k = Math.min(rows, cols);
    const a = randomNormal([n, k], { dtype: 'float64', seed: this.seed }).dataSync();
    const q = orthonormalColumns(a, n, k);
    const out = new Float64Array(rows * cols);
    // q is n×k; the result is q (rows ≥ cols) or qᵀ (rows < cols), as a rows×cols matrix.
    for (let i = 0; i < n; i++)
      for (let j = 0; j < k; j++) out[rows >= cols ? i * k + j : j * n + i] = q[i * k + j] * this.gain;
    return tensor(out, [...shape], dtype);
  }
  override getConfig(): Config {
    return { gain: this.gain, ...super.getConfig() };
  }
}

// Gram–Schmidt, applied twice per column for stability: the Q of the QR decomposition whose R has a positive
// diagonal, which is what Keras' qr followed by `q * sign(diag(r))` gives.
function orthonormalColumns(a: ArrayLike<number>, n: number, k: number): Float64Array {
  const q = Float64Array.from(a);
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += q[i * k + p] * q[i * k + j];
        for (let i = 0; i < n; i++) q[i * k + j] -= dot * q[i * k + p];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += q[i * k + j] ** 2;
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) q[i * k + j] /= norm;
  }
  return q;
}
