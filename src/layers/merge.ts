// Elementwise merge layers (Keras `Merge`): Add, Subtract, Multiply, Average, Maximum. They take a list of tensors
// with the same batch size whose other axes broadcast (a lower-rank input gets size-1 axes after the batch axis),
// and the output mask is the OR of the input masks when every input has one.
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { add, div, logicalOr, maximum, mul, sub } from '../ops/prims/binary.js';
import { broadcastTo, expandDims } from '../ops/prims/movement.js';
import { select } from '../ops/prims/select.js';
import { fmtDims, type Shape } from '../engine/input-spec.js';
import { Layer, type CallArgs, type LayerOptions, type Mask } from '../engine/layer.js';
import { registerLayer } from '../engine/registry.js';

/** Options of the merge layers (only the common layer options). */
export type MergeOptions = LayerOptions;

/** Base of the merge layers: input-list and shape validation, rank alignment and the mask rule. */
export abstract class Merge extends Layer<Tensor[], Tensor> {
  constructor(options: MergeOptions = {}) {
    super(options);
    this.supportsMasking = true;
  }

  /** Throws unless `shapes` is a list of shapes; used by every merge layer's build. */
  protected checkList(shapes: unknown): Shape[] {
    if (!Array.isArray(shapes) || shapes.length < 1 || !shapes.every(Array.isArray))
      throw new ValueError(`${this.label}: a merge layer must be called on a list of at least 1 tensor, got ` +
        `${Array.isArray(shapes) && !shapes.every(Array.isArray) ? `one tensor of shape ${fmtDims(shapes as Shape)}` :
          JSON.stringify(shapes)}`);
    return shapes as Shape[];
  }

  override build(inputShape: Shape[]): void {
    const shapes = this.checkList(inputShape);
    const all = `(input shapes ${shapes.map(fmtDims).join(', ')})`;
    if (new Set(shapes.map((s) => s[0])).size > 1)
      throw new ShapeError(`${this.label}: cannot merge tensors with different batch sizes ${all}`);
    // Keras `_compute_elemwise_op_output_shape`: the non-batch axes, aligned at the end, must be equal or 1.
    let out: Shape = shapes[0].slice(1);
    for (const s of shapes.slice(1)) {
      const [a, b] = out.length >= s.length - 1 ? [out, s.slice(1)] : [s.slice(1), out];
      const lead = a.slice(0, a.length - b.length);
      out = [...lead, ...b.map((j, k) => {
        const i = a[lead.length + k];
        if (i === 1) return j;
        if (j === 1 || i === j) return i;
        throw new ShapeError(`${this.label}: inputs have incompatible shapes ${all}`);
      })];
    }
  }

  /** The merged value of the inputs, each given the same rank. */
  protected abstract merge(inputs: Tensor[]): Tensor;

  override call(inputs: Tensor[]): Tensor {
    this.checkList(Array.isArray(inputs) ? inputs.map((t) => [...t.shape]) : [...(inputs as Tensor).shape]);
    const rank = Math.max(...inputs.map((t) => t.rank));
    return this.merge(inputs.map((t) => {
      let x = t;
      while (x.rank < rank) x = expandDims(x, 1);
      return x;
    }));
  }

  override computeMask(inputs: Tensor[], mask: Mask): Mask {
    if (!Array.isArray(mask) || mask.some((m) => m === null)) return null;
    return (mask as Tensor[]).reduce((a, b) => logicalOr(a, b));
  }
}

/** Sum of the inputs. */
export class Add extends Merge {
  protected override merge(inputs: Tensor[]): Tensor {
    return inputs.reduce((a, b) => add(a, b));
  }
}

/** inputs[0] − inputs[1]; exactly two inputs. */
export class Subtract extends Merge {
  override build(inputShape: Shape[]): void {
    const shapes = this.checkList(inputShape);
    if (shapes.length !== 2)
      throw new ValueError(`${this.label}: must be called on exactly 2 inputs, got ${shapes.length}`);
    super.build(shapes);
  }

  protected override merge(inputs: Tensor[]): Tensor {
    return inputs.reduce((a, b) => sub(a, b));
  }
}

/** Product of the inputs. */
export class Multiply extends Merge {
  protected override merge(inputs: Tensor[]): Tensor {
    return inputs.reduce((a, b) => mul(a, b));
  }
}

/** Mean of the inputs. */
export class Average extends Merge {
  protected override merge(inputs: Tensor[]): Tensor {
    return div(inputs.reduce((a, b) => add(a, b)), inputs.length);
  }
}

/**
 * Elementwise maximum. As Keras, masked entries (mask [batch, steps] over inputs [batch, steps, ...]) do not take
 * part: where one side is masked the other side's value is taken.
 */
export class Maximum extends Merge {
  protected override merge(inputs: Tensor[]): Tensor {
    return inputs.reduce((a, b) => maximum(a, b));
  }

  override call(inputs: Tensor[], { mask }: Partial<CallArgs> = {}): Tensor {
    const masks = Array.isArray(mask) ? mask : [];
    if (masks.every((m) => !m)) return super.call(inputs);
    // Keras `_apply_merge_op_and_or_mask`, with each mask broadcast over its input's trailing axes.
    let out = inputs[0];
    let outMask = this.broadcastMask(masks[0] ?? null, out);
    for (let i = 1; i < inputs.length; i++) {
      let x = inputs[i];
      const m = this.broadcastMask(masks[i] ?? null, x);
      if (m) x = select(m, x, out);
      if (outMask) out = select(outMask, out, x);
      outMask = m && outMask ? logicalOr(outMask, m) : null;
      out = maximum(out, x);
    }
    return out;
  }

  private broadcastMask(mask: Tensor | null, x: Tensor): Tensor | null {
    if (!mask) return null;
    let m = mask;
    while (m.rank < x.rank) m = expandDims(m, -1);
    return broadcastTo(m, x.shape);
  }
}

registerLayer(Add);
registerLayer(Subtract);
registerLayer(Multiply);
registerLayer(Average);
registerLayer(Maximum);
