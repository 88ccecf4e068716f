// Dot: batched dot product of two tensors along given axes (Keras `Dot`, i.e. `batch_dot`), optionally of
// L2-normalized inputs (then it is the cosine similarity).
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { matmul } from '../ops/prims/matmul.js';
import { reshape, transpose } from '../ops/prims/movement.js';
import { l2Normalize } from '../ops/composites/norms.js';
import { fmtDims, type Shape } from '../engine/input-spec.js';
import type { LayerOptions, Mask } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';
import { Merge } from './merge.js';

/** Options of Dot. */
export interface DotOptions extends LayerOptions {
  /** The contracted axis of both inputs, or one per input; negative axes count from the end; never the batch axis. */
  axes: number | [number, number];
  /** L2-normalize both inputs along their axes first (default false). */
  normalize?: boolean;
}

/**
 * [batch, ...a] · [batch, ...b] → [batch, ...a without its axis, ...b without its axis]; a result with only the
 * batch axis becomes [batch, 1], as in Keras.
 */
export class Dot extends Merge {
  readonly axes: number | [number, number];
  readonly normalize: boolean;

  constructor(options: DotOptions) {
    super(options);
    const { axes, normalize = false } = options;
    const ok = Number.isInteger(axes) || (Array.isArray(axes) && axes.length === 2 && axes.every(Number.isInteger));
    if (!ok) throw new ValueError(`${this.label}: axes must be an integer or a pair of them, got ${JSON.stringify(axes)}`);
    this.axes = typeof axes === 'number' ? axes : [axes[0], axes[1]];
    this.normalize = normalize;
    this.supportsMasking = false;
  }

  /** The two contracted axes for inputs of ranks r1 and r2 (Keras: negative ones taken modulo the rank). */
  private resolvedAxes(r1: number, r2: number): [number, number] {
    const [a, b] = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    const fix = (x: number, r: number): number => ((x % r) + r) % r;
    return [fix(a, r1), fix(b, r2)];
  }

  override build(inputShape: Shape[]): void {
    const shapes = this.checkList(inputShape);
    if (shapes.length !== 2)
      throw new ValueError(`${this.label}: must be called on exactly 2 inputs, got ${shapes.length}`);
    const [s1, s2] = shapes;
    const all = `(input shapes ${fmtDims(s1)}, ${fmtDims(s2)})`;
    if (s1.length < 2 || s2.length < 2)
      throw new ShapeError(`${this.label}: inputs must have rank ≥ 2 (a batch axis and more) ${all}`);
    const [a, b] = this.resolvedAxes(s1.length, s2.length);
    if (a === 0 || b === 0) throw new ValueError(`${this.label}: cannot contract the batch axis 0 ${all}`);
    if (s1[0] !== s2[0]) throw new ShapeError(`${this.label}: inputs must have the same batch size ${all}`);
    if (s1[a] !== s2[b])
      throw new ShapeError(`${this.label}: contracted axes must have the same size, got ${s1[a]} (axis ${a} of ` +
        `input 0) and ${s2[b]} (axis ${b} of input 1) ${all}`);
  }

  protected override merge([x, y]: Tensor[]): Tensor {
    const [a, b] = this.resolvedAxes(x.rank, y.rank);
    const x1 = this.normalize ? l2Normalize(x, a) : x;
    const y1 = this.normalize ? l2Normalize(y, b) : y;
    const restX = x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== a);
    const restY = y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== b);
    const batch = x.shape[0], k = x.shape[a];
    const dimsX = restX.map((i) => x.shape[i]), dimsY = restY.map((i) => y.shape[i]);
    const size = (d: number[]): number => d.reduce((p, q) => p * q, 1);
    // [batch, restX, k] · [batch, k, restY] as one batched matrix product.
    const xm = reshape(transpose(x1, [0, ...restX, a]), [batch, size(dimsX), k]);
    const ym = reshape(transpose(y1, [0, b, ...restY]), [batch, k, size(dimsY)]);
    const out = [batch, ...dimsX, ...dimsY];
    return reshape(matmul(xm, ym), out.length === 1 ? [batch, 1] : out);
  }

  override call(inputs: Tensor[]): Tensor {
    this.checkList(Array.isArray(inputs) ? inputs.map((t) => [...t.shape]) : [...(inputs as Tensor).shape]);
    // Not the base call: inputs of different ranks are contracted as they are, not aligned.
    return this.merge(inputs);
  }

  override computeMask(): Mask {
    return null;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), axes: this.axes, normalize: this.normalize };
  }
}

registerLayer(Dot);
