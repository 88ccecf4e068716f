// Layer: the Keras layer contract. apply() is Keras `__call__` (input checks, lazy build, training flag, masks,
// losses); users override build() and call(). Weights, losses and metrics are tracked through nested layers held
// as attributes or in arrays.
import { isFloat, type DType } from '../core/dtype.js';
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../ops/creation.js';
import { cast } from '../ops/prims/cast.js';
import { div } from '../ops/prims/binary.js';
import { toTensor } from '../ops/dispatch.js';
import { getInitializer, type InitializerIdentifier } from '../initializers/index.js';
import { getRegularizer, serializeRegularizer, type RegularizerIdentifier } from '../regularizers/index.js';
import type { Regularizer } from '../regularizers/regularizer.js';
import { getConstraint, type ConstraintIdentifier } from '../constraints/index.js';
import { AddedMetric } from './added-metric.js';
import { currentCallContext, enterCallContext, exitCallContext } from './call-context.js';
import { outsideTrace } from './init-scope.js';
import { InputSpec, assertInputCompatibility, type Shape } from './input-spec.js';
import { LayerWeight } from './layer-weight.js';
import { learningPhase } from './learning-phase.js';
import { getMask, setMask } from './mask.js';
import { isKerasTensor, symbolicCall } from './node.js';
import { toSnakeCase, uniqueName } from './naming.js';
import type { Config } from './registry.js';

/** What layers take and give: one tensor or a list. */
export type LayerIO = Tensor | Tensor[];

/** Tensors keyed by name: what a functional model built with a record of outputs gives (Keras 3 dict outputs). */
export type TensorDict = Record<string, Tensor>;

/** What a layer may give: one tensor, a list, or (functional models) a record keyed by output name. */
export type LayerOutput = LayerIO | TensorDict;

/** Masks of a layer's inputs: one per input tensor (null where there is none). */
export type Mask = Tensor | null | (Tensor | null)[];

/** The build() argument for inputs of type T: one shape per input tensor. */
export type ShapesOf<T extends LayerIO> = T extends Tensor ? Shape : Shape[];

/** Any layer, whatever it takes and gives. */
export type AnyLayer = Layer<LayerIO, LayerOutput>;

/** Options every layer accepts (Keras base `Layer` keyword arguments). */
export interface LayerOptions {
  /** Unique name (default: the class name in snake_case, numbered: dense, dense_1, ...). */
  name?: string;
  /** Whether the layer's weights are trained (default true). */
  trainable?: boolean;
  /** Dtype of the weights and computations (default float32); floating inputs are cast to it. */
  dtype?: DType;
  /** Penalty on the outputs, divided by the batch size, added to `losses` at each call. */
  activityRegularizer?: RegularizerIdentifier | null;
  /** The layer cannot be traced (value-dependent control flow): it must implement computeOutputShape. */
  dynamic?: boolean;
}

/** What call() receives besides the inputs. */
export interface CallArgs {
  /** Training mode (dropout active, batch statistics used). */
  training: boolean;
  /** The inputs' masks (from the caller, else from the inputs' metadata). */
  mask: Mask;
}

/** Options of apply(). */
export interface ApplyOptions {
  /** Default: the outer layer call's value, else the global learning phase. */
  training?: boolean;
  /** Default: the masks attached to the inputs. */
  mask?: Mask;
}

/** Options of addWeight() (Keras `add_weight`). */
export interface AddWeightOptions {
  /** Name within the layer; the variable is named "layer/name" (default "variable"). */
  name?: string;
  /** Shape (default [] : a scalar). */
  shape?: readonly number[];
  /** Default: glorotUniform for floating dtypes, zeros otherwise. */
  initializer?: InitializerIdentifier;
  /** Penalty added to the layer's losses while the weight is trainable. */
  regularizer?: RegularizerIdentifier | null;
  /** Projection applied by optimizers after each update. */
  constraint?: ConstraintIdentifier | null;
  /** Default true (false for state such as moving statistics). */
  trainable?: boolean;
  /** Default: the layer's dtype. */
  dtype?: DType;
}

/** Options of addMetric(). */
export interface AddMetricOptions {
  /** The metric's name; required, and unique among the metrics added in one call. */
  name: string;
  /** How values are aggregated over calls (only 'mean', the default). */
  aggregation?: 'mean';
}

/** The tensors of a layer's inputs or outputs as a list (a record's in key order). */
export function flattenOutputs(x: LayerOutput): Tensor[] {
  return x instanceof Tensor ? [x] : Array.isArray(x) ? x : Object.values(x);
}

function flat(x: LayerIO): Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/** Layers held by `layer` as attributes or in (nested) arrays, in assignment order. */
export function directChildren(layer: AnyLayer): AnyLayer[] {
  const out: AnyLayer[] = [];
  const visit = (v: unknown): void => {
    if (v instanceof Layer) {
      if (v !== layer && !out.includes(v)) out.push(v);
    } else if (Array.isArray(v)) {
      for (const x of v) visit(x);
    }
  };
  for (const v of Object.values(layer)) visit(v);
  return out;
}

/** `root` (when asked) and every layer nested in it, depth first, each once. */
function flattenLayers(root: AnyLayer, includeSelf: boolean): AnyLayer[] {
  const seen = new Set<AnyLayer>([root]);
  const out: AnyLayer[] = includeSelf ? [root] : [];
  const walk = (l: AnyLayer): void => {
    for (const c of directChildren(l)) {
      if (seen.has(c)) continue;
      seen.add(c);
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/**
 * Base class of layers. Subclasses create weights in `build(inputShape)` (or the constructor) with addWeight
 * and compute in `call(inputs, {training, mask})`; users call `apply(inputs)`.
 */
export abstract class Layer<In extends LayerIO = Tensor, Out extends LayerOutput = Tensor> {
  /** The layer's name. */
  readonly name: string;
  /** Dtype of weights and computations. */
  readonly dtype: DType;
  /** What apply() accepts; checked before build and again after (build may tighten it). */
  inputSpec: InputSpec | InputSpec[] | null = null;
  /** Whether masks pass through this layer (computeMask gives the output mask); default false. */
  supportsMasking = false;
  /** Penalty on the outputs added to the losses at each call. */
  readonly activityRegularizer: Regularizer | null;
  /** Never traced: symbolic calls take the output shapes from computeOutputShape. */
  readonly dynamic: boolean;
  /** Floating inputs are cast to the layer's dtype (Keras autocast); containers turn it off. */
  protected autocast = true;

  #built = false;
  #trainable: boolean;
  readonly #trainableWeights: LayerWeight[] = [];
  readonly #nonTrainableWeights: LayerWeight[] = [];
  readonly #losses: Tensor[] = [];
  readonly #lossFns: (() => Tensor)[] = [];
  readonly #metrics = new Map<string, AddedMetric>();

  constructor(options: LayerOptions = {}) {
    const { name, trainable = true, dtype = 'float32', activityRegularizer = null, dynamic = false } = options;
    this.name = name ?? uniqueName(toSnakeCase(new.target.name));
    if (!isFloat(dtype) && dtype !== 'int32' && dtype !== 'bool')
      throw new ValueError(`${new.target.name} "${this.name}": unknown dtype ${JSON.stringify(dtype)}`);
    this.dtype = dtype;
    this.#trainable = trainable;
    this.activityRegularizer = getRegularizer(activityRegularizer);
    this.dynamic = dynamic;
  }

  /** How messages name the layer: `Dense "dense_1"`. */
  protected get label(): string {
    return `${this.constructor.name} "${this.name}"`;
  }

  /** True once build() has run (apply builds on first call). */
  get built(): boolean {
    return this.#built;
  }
  set built(value: boolean) {
    this.#built = value;
  }

  /** Whether the layer trains; setting false freezes it and every layer inside it. */
  get trainable(): boolean {
    return this.#trainable;
  }
  set trainable(value: boolean) {
    for (const l of flattenLayers(this as AnyLayer, true)) {
      l.#trainable = value;
      for (const w of l.#trainableWeights) w.trainable = value;
    }
  }

  /** Creates the layer's weights from the input shape(s); called once, by the first apply(). */
  build(inputShape: ShapesOf<In>): void {
    void inputShape;
  }

  /** The computation (Keras `call`); override it, and call the layer through apply(). */
  abstract call(inputs: In, args: CallArgs): Out;

  /** The output mask from the inputs and their masks; the default passes the input mask through. */
  computeMask(inputs: In, mask: Mask): Mask {
    void inputs;
    return mask;
  }

  /** Output shape(s) from input shape(s), null for unknown dims; dynamic layers must override it. */
  computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    void inputShape;
    throw new ValueError(`${this.label}: a dynamic layer must implement computeOutputShape()`);
  }

  /** Runs the layer (Keras `__call__`): checks the inputs, builds on first use, calls, and attaches masks. */
  apply(inputs: In, options: ApplyOptions = {}): Out {
    for (const t of flat(inputs))
      if (!(t instanceof Tensor))
        throw new ValueError(`${this.label}: inputs must be tensors, got ${t === null ? 'null' : typeof t}`);
    // Symbolic tensors of the functional API: record a node instead of computing.
    if (flat(inputs).some(isKerasTensor)) return symbolicCall(this as AnyLayer, inputs, options) as Out;
    const x = this.autocast ? this.castInputs(inputs) : inputs;
    this.checkInputs(flat(x));
    if (!this.built) {
      this.build((Array.isArray(x) ? x.map((t) => [...t.shape]) : [...x.shape]) as unknown as ShapesOf<In>);
      this.built = true;
      this.checkInputs(flat(x));
    }
    const { context, opened } = enterCallContext(this);
    if (opened) for (const l of flattenLayers(this as AnyLayer, true)) l.#losses.length = 0;
    const outerTraining = context.training;
    try {
      const training = options.training ?? outerTraining ?? learningPhase();
      context.training = training;
      const mask = options.mask !== undefined ? options.mask
        : Array.isArray(x) ? x.map(getMask) : getMask(x);
      const outputs = this.call(x, { training, mask });
      if (this.activityRegularizer) for (const y of flattenOutputs(outputs)) this.addLoss(this.activityLoss(y));
      if (this.supportsMasking) this.setOutputMasks(x, outputs, mask);
      return outputs;
    } finally {
      context.training = outerTraining;
      exitCallContext(opened);
    }
  }

  /**
   * Checks the inputs against inputSpec, before build and again after it (Keras `assert_input_compatibility`);
   * layers whose list inputs are not one spec each (an RNN's optional initial states) override it.
   */
  protected checkInputs(inputs: readonly Tensor[]): void {
    assertInputCompatibility(this.label, this.inputSpec, inputs);
  }

  /** @internal Keras `_maybe_build` on symbolic inputs: checks them and builds from their shapes (null: unknown). */
  buildFromSymbolic(inputs: readonly Tensor[], listInput: boolean): void {
    if (this.built) return;
    // Checked as apply() would after its autocast: shapes and dtypes only, so a stand-in of the cast dtype does.
    const castTo = (t: Tensor): DType => (this.autocast && isFloat(this.dtype) && isFloat(t.dtype) ? this.dtype : t.dtype);
    this.checkInputs(inputs.map((t) => (castTo(t) === t.dtype ? t : new Tensor(t.shape, castTo(t), null, t.symbolic))));
    const shapes = inputs.map((t) => t.shape.map((d) => (d < 0 ? null : d)));
    this.build((listInput ? shapes : shapes[0]) as unknown as ShapesOf<In>);
    this.built = true;
  }

  private castInputs(inputs: In): In {
    if (!isFloat(this.dtype)) return inputs;
    const one = (t: Tensor): Tensor => {
      if (!isFloat(t.dtype) || t.dtype === this.dtype) return t;
      const c = cast(t, this.dtype);
      setMask(c, getMask(t));
      return c;
    };
    return (Array.isArray(inputs) ? inputs.map(one) : one(inputs)) as In;
  }

  // Keras divides the activity penalty by the batch size (the first axis), so its strength does not depend on it.
  private activityLoss(y: Tensor): Tensor {
    const loss = this.activityRegularizer!.apply(y);
    return y.rank > 0 && y.shape[0] > 0 ? div(loss, y.shape[0]) : loss;
  }

  // Keras `_set_mask_metadata`: outputs that all carry masks already keep them.
  private setOutputMasks(inputs: In, outputs: Out, mask: Mask): void {
    const outs = flattenOutputs(outputs);
    if (outs.every((o) => getMask(o) !== null)) return;
    const masks = this.computeMask(inputs, mask);
    if (masks === null) return;
    const ms = Array.isArray(masks) ? masks : [masks];
    outs.forEach((o, i) => setMask(o, ms[i] ?? null));
  }

  /** Creates a weight (Keras `add_weight`), tracked by the layer; created eagerly even while tracing. */
  addWeight(options: AddWeightOptions = {}): LayerWeight {
    const { name = 'variable', shape = [], dtype = this.dtype, trainable = true } = options;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new ShapeError(`${this.label}: addWeight "${name}": shape must be non-negative integers, got ` +
        `${JSON.stringify(shape)}`);
    const initializer = getInitializer(options.initializer ?? (isFloat(dtype) ? 'glorotUniform' : 'zeros'));
    const weight = outsideTrace(() => new LayerWeight(initializer.apply(shape, dtype), `${this.name}/${name}`,
      trainable && this.trainable, getRegularizer(options.regularizer), getConstraint(options.constraint)));
    (trainable ? this.#trainableWeights : this.#nonTrainableWeights).push(weight);
    return weight;
  }

  /** All weights: this layer's own (trainable first), then those of nested layers, each once. */
  get weights(): LayerWeight[] {
    const out = new Set<LayerWeight>();
    for (const l of flattenLayers(this as AnyLayer, true))
      for (const w of [...l.#trainableWeights, ...l.#nonTrainableWeights]) out.add(w);
    return [...out];
  }

  /** The weights that gradients update (none when the layer is frozen). */
  get trainableWeights(): LayerWeight[] {
    return this.trainable ? this.weights.filter((w) => w.trainable) : [];
  }

  /** The weights that gradients leave alone (all of them when the layer is frozen). */
  get nonTrainableWeights(): LayerWeight[] {
    return this.trainable ? this.weights.filter((w) => !w.trainable) : this.weights;
  }

  /** Copies of the weights' values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => tensor(w.peek().dataSync(), [...w.shape], w.dtype));
  }

  /** Sets the weights' values from tensors in `weights` order, with the same shapes. */
  setWeights(values: readonly Tensor[]): void {
    const weights = this.weights;
    if (values.length !== weights.length)
      throw new ValueError(`${this.label}: setWeights expected ${weights.length} weights, got ${values.length}`);
    weights.forEach((w, i) => {
      const v = values[i];
      if (v.shape.length !== w.shape.length || v.shape.some((d, k) => d !== w.shape[k]))
        throw new ShapeError(`${this.label}: setWeights: weight ${i} "${w.name}" has shape ${fmtShape(w.shape)}, ` +
          `got ${fmtShape(v.shape)}`);
    });
    weights.forEach((w, i) => w.assign(values[i].dtype === w.dtype ? values[i] : cast(values[i], w.dtype)));
  }

  /** Number of scalars in the weights (the layer must be built). */
  countParams(): number {
    if (!this.built)
      throw new ValueError(`${this.label}: countParams() needs a built layer; call it on data or build() it first`);
    return this.weights.reduce((n, w) => n + w.peek().size, 0);
  }

  /**
   * Adds a loss: a scalar tensor (cleared at the next outer call, as in Keras) or a zero-argument function
   * evaluated whenever `losses` is read (for penalties on weights).
   */
  addLoss(loss: Tensor | (() => Tensor)): void {
    if (loss instanceof Tensor) this.#losses.push(loss);
    else if (typeof loss === 'function') this.#lossFns.push(loss);
    else throw new ValueError(`${this.label}: addLoss expects a tensor or a function, got ${JSON.stringify(loss)}`);
  }

  /** The losses of this layer and the layers inside it, then the regularization of the trainable weights. */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    for (const l of flattenLayers(this as AnyLayer, true)) {
      out.push(...l.#losses);
      for (const f of l.#lossFns) out.push(f());
    }
    for (const w of this.trainableWeights) if (w.regularizer) out.push(w.regularizer.apply(toTensor(w)));
    return out;
  }

  /**
   * Adds a value to the running mean named `name` (tf.keras `add_metric`; Keras 3 dropped it in favour of
   * compile metrics). Within one outer call a name may be added once, by one layer: a second addition is a
   * ValueError.
   */
  addMetric(value: Tensor, options: AddMetricOptions): void {
    const { name, aggregation = 'mean' } = options ?? {};
    if (typeof name !== 'string' || name === '')
      throw new ValueError(`${this.label}: addMetric needs a name, e.g. addMetric(value, {name: 'meanActivation'})`);
    if (aggregation !== 'mean')
      throw new ValueError(`${this.label}: addMetric aggregation must be 'mean', got ${JSON.stringify(aggregation)}`);
    const context = currentCallContext();
    if (context) {
      const owner = context.metricOwners.get(name);
      if (owner !== undefined)
        throw new ValueError(`${this.label}: a metric named "${name}" was already added in this call by ${owner}; ` +
          `please provide different names for the metrics you add`);
      context.metricOwners.set(name, this.label);
    }
    let metric = this.#metrics.get(name);
    if (!metric) this.#metrics.set(name, (metric = new AddedMetric(name)));
    metric.updateState(value);
  }

  /** The metrics added with addMetric by this layer and the layers inside it; names must be unique. */
  get metrics(): AddedMetric[] {
    const out: AddedMetric[] = [];
    const owners = new Map<string, string>();
    for (const l of flattenLayers(this as AnyLayer, true)) {
      for (const m of l.#metrics.values()) {
        const other = owners.get(m.name);
        if (other !== undefined)
          throw new ValueError(`${this.label}: found 2 metrics named "${m.name}" (added by ${other} and ${l.label}); ` +
            `please provide different names for the metrics you add`);
        owners.set(m.name, l.label);
        out.push(m);
      }
    }
    return out;
  }

  /** The constructor options as JSON (Keras `get_config`); subclasses add theirs to super.getConfig(). */
  getConfig(): Config {
    const config: Config = { name: this.name, trainable: this.trainable, dtype: this.dtype };
    if (this.activityRegularizer) config.activityRegularizer = serializeRegularizer(this.activityRegularizer);
    return config;
  }

  /** A new layer from a config made by getConfig() (Keras `from_config`). */
  static fromConfig<T extends AnyLayer>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as new (c: Config) => T)(config);
  }

  toString(): string {
    return this.label;
  }
}
