// Concatenate: joins a list of tensors along an axis (Keras `Concatenate`). Masks merge as Keras does: an input
// without a mask counts as all ones, masks are concatenated along the axis and reduced with `any` over the last one.
import { ShapeError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { greater } from '../ops/prims/binary.js';
import { cast } from '../ops/prims/cast.js';
import { concat } from '../ops/prims/concat.js';
import { broadcastTo, expandDims } from '../ops/prims/movement.js';
import { max } from '../ops/prims/reduce.js';
import { ones } from '../ops/creation.js';
import { fmtDims, type Shape } from '../engine/input-spec.js';
import type { Mask } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';
import { Merge, type MergeOptions } from './merge.js';

/** Options of Concatenate. */
export interface ConcatenateOptions extends MergeOptions {
  /** The concatenation axis (default -1). */
  axis?: number;
}

/** Concatenation of the inputs along `axis`; every other axis must match. */
export class Concatenate extends Merge {
  readonly axis: number;

  constructor(options: ConcatenateOptions = {}) {
    super(options);
    this.axis = options.axis ?? -1;
  }

  override build(inputShape: Shape[]): void {
    const shapes = this.checkList(inputShape);
    const rank = shapes[0].length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    const bad = (): ShapeError => new ShapeError(`${this.label}: inputs must have the same shape except along the ` +
      `concatenation axis ${this.axis}, got ${shapes.map(fmtDims).join(', ')}`);
    if (axis < 0 || axis >= rank || shapes.some((s) => s.length !== rank)) throw bad();
    for (let i = 0; i < rank; i++) {
      if (i === axis) continue;
      const dims = new Set(shapes.map((s) => s[i]).filter((d) => d !== null));
      if (dims.size > 1) throw bad();
    }
  }

  // build checked that the ranks agree, so the base call's rank alignment leaves the inputs unchanged.
  protected override merge(inputs: Tensor[]): Tensor {
    return concat(inputs, this.axis);
  }

  override computeMask(inputs: Tensor[], mask: Mask): Mask {
    if (!Array.isArray(mask) || mask.every((m) => m === null)) return null;
    const full = inputs.map((x, i) => {
      const m = mask[i];
      if (!m) return ones([...x.shape], 'bool');
      return m.rank < x.rank ? broadcastTo(expandDims(m, -1), x.shape) : m;
    });
    // any(…, axis=-1) as max over int32.
    return greater(max(cast(concat(full, this.axis), 'int32'), -1), 0);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}

registerLayer(Concatenate);
