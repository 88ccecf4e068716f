// TimeDistributed (Keras 3): applies one layer, with one set of weights, to every temporal slice x[:, t] of a
// [batch, time, ...] input, and stacks the results along the time axis. Each slice gets its own call (as Keras'
// static-time loop), with the slice of the mask when there is one.
import { ShapeError, ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { stack, unstack } from '../ops/prims/concat.js';
import { InputSpec, fmtDims, type Shape } from '../engine/input-spec.js';
import { Layer, type AnyLayer, type CallArgs, type LayerOptions } from '../engine/layer.js';
import { deserializeLayer, isSerialized, registerLayer, serializeLayer, type Config } from '../engine/registry.js';

/** Options of TimeDistributed (the base layer options). */
export type TimeDistributedOptions = LayerOptions;

/** Applies `layer` to each temporal slice of the input; the output is [batch, time, ...layer output]. */
export class TimeDistributed extends Layer<Tensor, Tensor> {
  /** The wrapped layer. */
  readonly layer: Layer<Tensor, Tensor>;

  constructor(layer: Layer<Tensor, Tensor>, options: TimeDistributedOptions = {}) {
    super(options);
    if (!(layer instanceof Layer))
      throw new ValueError(`${this.label}: expected a layer to wrap, got ${String(layer)}`);
    this.layer = layer;
    this.inputSpec = new InputSpec({ minNdim: 3 });
    this.supportsMasking = true;
  }

  override build(inputShape: Shape): void {
    if (!this.layer.built) {
      this.layer.build([inputShape[0], ...inputShape.slice(2)]);
      this.layer.built = true;
    }
  }

  override call(inputs: Tensor, { training, mask }: CallArgs): Tensor {
    const [batch, time] = inputs.shape;
    const m = Array.isArray(mask) ? mask[0] ?? null : mask;
    if (m && (m.rank < 2 || m.shape[0] !== batch || m.shape[1] !== time))
      throw new ShapeError(`${this.label}: expected a mask of shape [${batch}, ${time}, ...], got ${fmtDims(m.shape)} ` +
        `(input shape ${fmtDims(inputs.shape)})`);
    if (time === 0)
      throw new ShapeError(`${this.label}: the time axis is empty (input shape ${fmtDims(inputs.shape)})`);
    const steps = unstack(inputs, 1);
    const masks = m ? unstack(m, 1) : null;
    const outs = steps.map((x, t) => this.layer.apply(x, { training, mask: masks ? masks[t] : null }));
    return stack(outs, 1);
  }

  override getConfig(): Config {
    return { ...super.getConfig(), layer: serializeLayer(this.layer as AnyLayer) };
  }

  /** A new TimeDistributed from getConfig()'s output: the wrapped layer is deserialized. */
  static override fromConfig<T extends AnyLayer>(this: new (config: never) => T, config: Config): T {
    const { layer, ...rest } = config;
    if (!isSerialized(layer))
      throw new ValueError(`TimeDistributed.fromConfig: expected config.layer as {className, config}, got ` +
        `${JSON.stringify(layer)}`);
    return new TimeDistributed(deserializeLayer(layer) as Layer<Tensor, Tensor>, rest) as AnyLayer as T;
  }
}

registerLayer(TimeDistributed);
