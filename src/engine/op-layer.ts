// Automatic op-layers (Keras `TFOpLambda`): a raw op applied to symbolic tensors of the functional API becomes a
// layer holding the primitive, its attributes and its constant arguments, so the model graph stays made of layers
// (and serializes). Op-layers do not support masking: a masked input is an error, not a silently dropped mask.
// Capture is per primitive, except for composite ops declared shape-dependent (mean reads its element count from
// the shape, unknown for the batch): those are captured whole by ShapeDependentOpLayer and rerun on real sizes.
import type { DType } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/creation.js';
import { apply, setLayerGraphHook } from '../ops/dispatch.js';
import { getPrimitive, type Attrs, type Primitive } from '../ops/registry.js';
import { Layer, type CallArgs, type LayerIO, type LayerOptions } from './layer.js';
import { isKerasTensor } from './node.js';
import { registerLayer, type Config, type ConfigValue } from './registry.js';
import { uniqueName } from './naming.js';
import { ShapeDependentOpLayer, rejectMasks } from './shape-dependent-op-layer.js';

/** One argument of the op: the layer's input number `input`, or a constant. */
export type OpArgument = { input: number } | { value: number[]; shape: number[]; dtype: DType };

/** Options of OpLayer (as its config holds them). */
export interface OpLayerOptions extends LayerOptions {
  /** The primitive's registry name. */
  primitive: string;
  /** The primitive's attributes. */
  attrs: Attrs;
  /** The op's arguments in order: layer inputs and constants. */
  args: OpArgument[];
}

/** A raw op applied to symbolic tensors, wrapped as a layer (Keras `TFOpLambda`). */
export class OpLayer extends Layer<Tensor[], LayerIO> {
  /** The primitive applied. */
  readonly primitive: Primitive;
  readonly #attrs: Attrs;
  readonly #args: OpArgument[];
  readonly #constants: (Tensor | null)[];

  constructor(options: OpLayerOptions) {
    const { primitive, attrs, args, ...base } = options;
    super({ ...base, name: base.name ?? uniqueName(`op.${primitive}`) });
    this.primitive = getPrimitive(primitive);
    this.#attrs = attrs;
    this.#args = args;
    this.#constants = args.map((a) => ('input' in a ? null : tensor(a.value, a.shape, a.dtype)));
    // The op decides dtypes itself, exactly as the raw call would.
    this.autocast = false;
    this.built = true;
  }

  override call(inputs: Tensor[], { mask }: CallArgs): LayerIO {
    rejectMasks(this.label, mask);
    const args = this.#args.map((a, i) => ('input' in a ? inputs[a.input] : this.#constants[i]!));
    const outs = apply(this.primitive, args, this.#attrs);
    return outs.length === 1 ? outs[0] : outs;
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(), primitive: this.primitive.name, attrs: this.#attrs as Config,
      args: this.#args as unknown as ConfigValue[],
    };
  }
}

registerLayer(OpLayer);

// Symbolic arguments become the layer's inputs; concrete ones (numbers made scalars, tensors) its constants.
setLayerGraphHook({
  owns: isKerasTensor,
  record(prim: Primitive, inputs: Tensor[], attrs: Attrs): Tensor[] {
    const symbolic: Tensor[] = [];
    const args: OpArgument[] = inputs.map((t) => {
      if (isKerasTensor(t)) return { input: symbolic.push(t) - 1 };
      if (t.isSymbolic)
        throw new ValueError(`${prim.name}: mixes a symbolic tensor of the functional API with a traced one ` +
          `(${t.symbolic!.describe()})`);
      return { value: Array.from(t.dataSync(), Number), shape: [...t.shape], dtype: t.dtype };
    });
    const layer = new OpLayer({ primitive: prim.name, attrs, args });
    const out = layer.apply(symbolic);
    return Array.isArray(out) ? out : [out];
  },
  recordShapeDependent(name: string, args: readonly unknown[]): Tensor {
    const [layer, symbolic] = ShapeDependentOpLayer.capture(name, args, isKerasTensor);
    return layer.apply(symbolic);
  },
});
