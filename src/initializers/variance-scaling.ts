// VarianceScaling and the named schemes built on it (Glorot, He, LeCun), with Keras 3's fan computation.
import type { DType } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { randomNormal, randomUniform, truncatedNormal } from '../ops/random.js';
import type { Config } from '../engine/registry.js';
import { RandomInitializer, type SeedOptions } from './random.js';

/**
 * Keras `compute_fans`: (fanIn, fanOut) of a weight shape. Rank 0: (1, 1); rank 1: (n, n); rank 2: (rows, cols);
 * higher ranks are convolution kernels [...spatial, in, out], whose receptive field multiplies both fans.
 */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/** Which fan the variance is divided by. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** The distribution drawn from. */
export type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';

const MODES: readonly FanMode[] = ['fanIn', 'fanOut', 'fanAvg'];
const DISTRIBUTIONS: readonly Distribution[] = ['truncatedNormal', 'untruncatedNormal', 'uniform'];

// Keras spells these in snake_case ('fan_in', 'truncated_normal'); both spellings are accepted.
function camel(s: string): string {
  return s.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Options of VarianceScaling. */
export interface VarianceScalingOptions extends SeedOptions {
  /** Scaling factor, > 0 (default 1). */
  scale?: number;
  /** Fan used (default 'fanIn'). */
  mode?: FanMode;
  /** Distribution (default 'truncatedNormal'). */
  distribution?: Distribution;
}

/**
 * Values with variance scale / n, n the fan given by `mode` (at least 1): a normal truncated at two standard
 * deviations with stddev √(scale/n) / 0.8796, an untruncated normal with stddev √(scale/n), or a uniform in ±√(3·scale/n).
 */
export class VarianceScaling extends RandomInitializer {
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;

  constructor({ scale = 1, mode = 'fanIn', distribution = 'truncatedNormal', seed }: VarianceScalingOptions = {}) {
    super({ seed });
    const cls = new.target.name;
    if (!(typeof scale === 'number' && scale > 0))
      throw new ValueError(`${cls}: scale must be a positive number, got ${scale}`);
    const m = camel(String(mode)) as FanMode;
    if (!MODES.includes(m)) throw new ValueError(`${cls}: mode must be one of ${MODES.join(', ')}, got "${mode}"`);
    const d = camel(String(distribution)) as Distribution;
    if (!DISTRIBUTIONS.includes(d))
      throw new ValueError(`${cls}: distribution must be one of ${DISTRIBUTIONS.join(', ')}, got "${distribution}"`);
    this.scale = scale;
    this.mode = m;
    this.distribution = d;
  }

  apply(shape: readonly number[], dtype: DType): Tensor {
    const [fanIn, fanOut] = computeFans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = this.scale / Math.max(1, n);
    const seed = this.seed;
    switch (this.distribution) {
      case 'truncatedNormal':
        // 0.8796 is the stddev of a unit normal truncated to [-2, 2].
        return truncatedNormal(shape, { stddev: Math.sqrt(variance) / 0.87962566103423978, dtype, seed });
      case 'untruncatedNormal':
        return randomNormal(shape, { stddev: Math.sqrt(variance), dtype, seed });
      default: {
        const limit = Math.sqrt(3 * variance);
        return randomUniform(shape, { minval: -limit, maxval: limit, dtype, seed });
      }
    }
  }

  override getConfig(): Config {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, ...super.getConfig() };
  }
}

// The named schemes: fixed scale, mode and distribution; their config is only the seed.
function scheme(scale: number, mode: FanMode, distribution: Distribution) {
  return class extends VarianceScaling {
    constructor({ seed }: SeedOptions = {}) {
      super({ scale, mode, distribution, seed });
    }
    override getConfig(): Config {
      return { seed: (super.getConfig() as { seed: number | null }).seed };
    }
  };
}

/** Glorot (Xavier) uniform: uniform in ±√(6 / (fanIn + fanOut)). */
export class GlorotUniform extends scheme(1, 'fanAvg', 'uniform') {}
/** Glorot (Xavier) normal: truncated normal with stddev √(2 / (fanIn + fanOut)). */
export class GlorotNormal extends scheme(1, 'fanAvg', 'truncatedNormal') {}
/** He uniform: uniform in ±√(6 / fanIn). */
export class HeUniform extends scheme(2, 'fanIn', 'uniform') {}
/** He normal: truncated normal with stddev √(2 / fanIn). */
export class HeNormal extends scheme(2, 'fanIn', 'truncatedNormal') {}
/** LeCun uniform: uniform in ±√(3 / fanIn). */
export class LecunUniform extends scheme(1, 'fanIn', 'uniform') {}
/** LeCun normal: truncated normal with stddev √(1 / fanIn). */
export class LecunNormal extends scheme(1, 'fanIn', 'truncatedNormal') {}
