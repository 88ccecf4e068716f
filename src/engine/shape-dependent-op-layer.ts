// Op-layers for shape-dependent composite ops (see defineShapeDependentOp): an op such as mean reads dim sizes on
// the host, and a symbolic tensor's unknown dims (the batch) have none yet, so the whole op is captured as one
// layer that calls the op again on the real tensors. Its arguments are the layer's inputs, constant tensors or
// JSON values (axes, flags), so the layer serializes like any other.
import type { DType } from '../core/dtype.js';
import { ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/creation.js';
import { getShapeDependentOp } from '../ops/dispatch.js';
import { Layer, type CallArgs, type LayerOptions, type Mask } from './layer.js';
import { uniqueName } from './naming.js';
import { registerLayer, type Config, type ConfigValue } from './registry.js';

/** One argument of the op: the layer's input number `input`, a constant tensor, a JSON value, or left out. */
export type ShapeDependentArgument =
  | { input: number }
  | { omitted: true }
  | { tensor: { value: number[]; shape: number[]; dtype: DType } }
  | { json: ConfigValue };

/** Options of ShapeDependentOpLayer (as its config holds them). */
export interface ShapeDependentOpLayerOptions extends LayerOptions {
  /** The op's name given to defineShapeDependentOp ('mean'). */
  op: string;
  /** The op's arguments in order. */
  args: ShapeDependentArgument[];
}

/** Throws when an automatic op-layer is given a mask: they do not support masking. */
export function rejectMasks(label: string, mask: Mask): void {
  const masks = Array.isArray(mask) ? mask : [mask];
  const masked = masks.findIndex((m) => m !== null && m !== undefined);
  if (masked >= 0)
    throw new ValueError(`${label}: input ${masked} carries a mask, but automatic op-layers do not support ` +
      `masking; apply the op inside a layer that handles the mask (set supportsMasking / computeMask)`);
}

function isJson(v: unknown): v is ConfigValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  return Array.isArray(v) && v.every(isJson);
}

/** A shape-dependent composite op applied to symbolic tensors, wrapped as a layer (Keras `TFOpLambda`). */
export class ShapeDependentOpLayer extends Layer<Tensor[], Tensor> {
  /** The op's name. */
  readonly op: string;
  readonly #fn: (...args: unknown[]) => Tensor;
  readonly #args: ShapeDependentArgument[];
  readonly #constants: (Tensor | null)[];

  constructor(options: ShapeDependentOpLayerOptions) {
    const { op, args, ...base } = options;
    super({ ...base, name: base.name ?? uniqueName(`op.${op}`) });
    const fn = getShapeDependentOp(op);
    if (!fn) throw new ValueError(`${this.label}: unknown shape-dependent op ${JSON.stringify(op)}`);
    this.op = op;
    this.#fn = fn;
    this.#args = args;
    this.#constants = args.map((a) => ('tensor' in a ? tensor(a.tensor.value, a.tensor.shape, a.tensor.dtype) : null));
    // The op decides dtypes itself, exactly as the raw call would.
    this.autocast = false;
    this.built = true;
  }

  /** The layer for `op` called with `args`: symbolic tensors become its inputs (returned in order). */
  static capture(op: string, args: readonly unknown[], owns: (t: Tensor) => boolean): [ShapeDependentOpLayer, Tensor[]] {
    const symbolic: Tensor[] = [];
    const spec: ShapeDependentArgument[] = args.map((a, i) => {
      if (a instanceof Tensor) {
        if (owns(a)) return { input: symbolic.push(a) - 1 };
        if (a.isSymbolic)
          throw new ValueError(`${op}: mixes a symbolic tensor of the functional API with a traced one ` +
            `(${a.symbolic!.describe()})`);
        return { tensor: { value: Array.from(a.dataSync(), Number), shape: [...a.shape], dtype: a.dtype } };
      }
      if (a === undefined) return { omitted: true };
      if (!isJson(a))
        throw new ValueError(`${op}: argument ${i} (${String(a)}) cannot be captured on symbolic tensors of the ` +
          `functional API; only tensors, numbers, booleans, strings, null and arrays of them can`);
      return { json: a };
    });
    return [new ShapeDependentOpLayer({ op, args: spec }), symbolic];
  }

  override call(inputs: Tensor[], { mask }: CallArgs): Tensor {
    rejectMasks(this.label, mask);
    return this.#fn(...this.#args.map((a, i) =>
      ('input' in a ? inputs[a.input] : 'tensor' in a ? this.#constants[i] : 'json' in a ? a.json : undefined)));
  }

  override getConfig(): Config {
    return { ...super.getConfig(), op: this.op, args: this.#args as unknown as ConfigValue[] };
  }
}

registerLayer(ShapeDependentOpLayer);
