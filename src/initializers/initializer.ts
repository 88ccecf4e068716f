// Initializers (keras.initializers): `apply(shape, dtype)` gives the initial value of a weight.
// Constant ones live here; random ones in random.ts and variance-scaling.ts.
import type { DType } from '../core/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { eye, fill } from '../ops/creation.js';
import { mul } from '../ops/prims/binary.js';
import type { Config } from '../engine/registry.js';

/** Base class of initializers. */
export abstract class Initializer {
  /** A new tensor of `shape` and `dtype` (Keras `__call__`). */
  abstract apply(shape: readonly number[], dtype: DType): Tensor;

  /** The constructor options as JSON. */
  getConfig(): Config {
    return {};
  }

  /** Rebuilds an initializer from its config. */
  static fromConfig<T extends Initializer>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as new (c: Config) => T)(config);
  }
}

/** All zeros. */
export class Zeros extends Initializer {
  apply(shape: readonly number[], dtype: DType): Tensor {
    return fill(shape, 0, dtype);
  }
}

/** All ones. */
export class Ones extends Initializer {
  apply(shape: readonly number[], dtype: DType): Tensor {
    return fill(shape, 1, dtype);
  }
}

/** Options of Constant. */
export interface ConstantOptions {
  /** The value of every element (default 0). */
  value?: number;
}

/** Every element equal to `value`. */
export class Constant extends Initializer {
  readonly value: number;
  constructor({ value = 0 }: ConstantOptions = {}) {
    super();
    if (typeof value !== 'number') throw new ValueError(`Constant: value must be a number, got ${JSON.stringify(value)}`);
    this.value = value;
  }
  apply(shape: readonly number[], dtype: DType): Tensor {
    return fill(shape, this.value, dtype);
  }
  override getConfig(): Config {
    return { value: this.value };
  }
}

/** Options of Identity. */
export interface IdentityOptions {
  /** Multiplies the identity matrix (default 1). */
  gain?: number;
}

/** gain · I for 2-D shapes (rectangular ones get ones on the main diagonal). */
export class Identity extends Initializer {
  readonly gain: number;
  constructor({ gain = 1 }: IdentityOptions = {}) {
    super();
    this.gain = gain;
  }
  apply(shape: readonly number[], dtype: DType): Tensor {
    if (shape.length !== 2)
      throw new ShapeError(`Identity: can only initialize 2-D matrices, got shape ${fmtShape(shape)} of rank ${shape.length}`);
    const m = eye(shape[0], shape[1], dtype);
    return this.gain === 1 ? m : mul(m, this.gain);
  }
  override getConfig(): Config {
    return { gain: this.gain };
  }
}
