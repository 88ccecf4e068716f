// Dropout (Keras 3 semantics): in training, each element is zeroed with probability `rate` and the kept ones are
// scaled by 1 / (1 - rate) (inverted dropout); in inference the input passes unchanged.
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { less, mul } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { randomUniform, SeedGenerator } from '../ops/random.js';
import { defaultSeed } from '../engine/default-seed.js';
import { fmtDims } from '../engine/input-spec.js';
import { Layer, type CallArgs, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of Dropout. */
export interface DropoutOptions extends LayerOptions {
  /** Fraction of the input units to drop, in [0, 1]. */
  rate: number;
  /**
   * Shape of the keep/drop mask, broadcast over the input (e.g. [batch, 1, features] drops the same features
   * at every timestep); null entries take the input's size. Default: the input shape.
   */
  noiseShape?: (number | null)[] | null;
  /** Integer seed of the layer's generator (successive calls still draw new masks); default: from the global generator. */
  seed?: number | null;
}

/** Randomly zeroes inputs during training, scaling the rest so that the expected sum is unchanged. */
export class Dropout extends Layer {
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  readonly #generator: SeedGenerator;

  constructor(options: DropoutOptions) {
    super(options);
    const { rate, noiseShape = null, seed = null } = options;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
      throw new ValueError(`${this.label}: rate must be a number in [0, 1], got ${rate}`);
    this.rate = rate;
    this.noiseShape = noiseShape ? [...noiseShape] : null;
    this.seed = seed;
    this.#generator = new SeedGenerator(seed ?? defaultSeed());
    this.supportsMasking = true;
  }

  override call(inputs: Tensor, { training }: CallArgs): Tensor {
    if (!training || this.rate === 0) return inputs;
    const keepProb = 1 - this.rate;
    const u = randomUniform(this.concreteNoiseShape(inputs.shape), { dtype: inputs.dtype, seed: this.#generator });
    // A kept element has u < keepProb; the scale is 1/keepProb there and 0 elsewhere (no 0/0 when rate is 1).
    const scale = keepProb > 0 ? mul(cast(less(u, keepProb), inputs.dtype), 1 / keepProb) : mul(u, 0);
    return mul(inputs, scale);
  }

  private concreteNoiseShape(shape: readonly number[]): number[] {
    if (!this.noiseShape) return [...shape];
    const ns = this.noiseShape;
    const bad = (): ShapeError => new ShapeError(`${this.label}: noiseShape ${fmtDims(ns)} does not broadcast ` +
      `to the input shape ${fmtDims(shape)}`);
    if (ns.length !== shape.length) throw bad();
    return ns.map((d, i) => {
      const n = d ?? shape[i];
      if (n !== 1 && n !== shape[i]) throw bad();
      return n;
    });
  }

  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate, noiseShape: this.noiseShape, seed: this.seed };
  }
}

registerLayer(Dropout);
