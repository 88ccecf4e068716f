// Reshape: reshapes every sample to targetShape, keeping the batch axis (Keras `Reshape`).
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { reshape } from '../ops/prims/movement.js';
import { InputSpec, fmtDims } from '../engine/input-spec.js';
import { Layer, type LayerOptions } from '../engine/layer.js';
import { registerLayer, type Config } from '../engine/registry.js';

/** Options of Reshape. */
export interface ReshapeOptions extends LayerOptions {
  /** The per-sample shape (without the batch axis); one entry may be -1, inferred from the size. */
  targetShape: number[];
}

/** [batch, ...dims] → [batch, ...targetShape]. */
export class Reshape extends Layer {
  readonly targetShape: number[];

  constructor(options: ReshapeOptions) {
    super(options);
    const t = options.targetShape;
    if (!Array.isArray(t) || t.some((d) => !Number.isInteger(d) || (d < 0 && d !== -1)))
      throw new ValueError(`${this.label}: targetShape must be non-negative integers or -1, got ${JSON.stringify(t)}`);
    if (t.filter((d) => d === -1).length > 1)
      throw new ValueError(`${this.label}: targetShape may have at most one -1, got ${fmtDims(t)}`);
    this.targetShape = [...t];
    this.inputSpec = new InputSpec({ minNdim: 1 });
  }

  override call(inputs: Tensor): Tensor {
    const batch = inputs.shape[0];
    const size = inputs.shape.slice(1).reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const unknown = this.targetShape.indexOf(-1);
    const target = [...this.targetShape];
    const fail = (): ShapeError => new ShapeError(`${this.label}: cannot reshape samples of shape ` +
      `${fmtDims(inputs.shape.slice(1))} (${size} elements) to ${fmtDims(this.targetShape)} ` +
      `(input shape ${fmtDims(inputs.shape)})`);
    if (unknown >= 0) {
      if (known === 0 || size % known !== 0) throw fail();
      target[unknown] = size / known;
    } else if (known !== size) {
      throw fail();
    }
    return reshape(inputs, [batch, ...target]);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), targetShape: this.targetShape };
  }
}

registerLayer(Reshape);
