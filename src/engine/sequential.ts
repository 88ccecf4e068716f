// Sequential: a plain stack of single-input, single-output layers, as a Model. With an input (kiln.input() or an
// InputLayer first) every layer is built as it is added; otherwise each is built on the first call from the output
// shape of the one before (shape inference by running the stack). Masks flow from layer to layer.
import { ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import type { AnyLayer, CallArgs, LayerOptions, Mask } from './layer.js';
import { Layer } from './layer.js';
import type { Shape } from './input-spec.js';
import { InputLayer, inputLayerOf } from './input.js';
import { getMask } from './mask.js';
import { Model, tupleOf } from './model.js';
import { isKerasTensor, kerasShape } from './node.js';
import { deserializeLayer, isSerialized, registerLayer, serializeLayer, type Config } from './registry.js';
import type { SummaryRow } from './summary.js';

export type { SummaryOptions } from './model.js';

/**
 * A layer that Sequential can stack: one tensor in, one tensor out (RNNs also accept a list, for initial states,
 * so their input type is wider).
 */
export type SequentialLayer = Layer<Tensor, Tensor> | Layer<Tensor | Tensor[], Tensor>;

/** Options of Sequential (the base layer options, and the layers in a config). */
export interface SequentialOptions extends LayerOptions {
  /** Serialized layers (as getConfig gives them); the constructor's first argument is the usual way. */
  layers?: Config[];
}

/** A linear stack of layers (Keras `Sequential`). */
export class Sequential extends Model<Tensor, Tensor> {
  // The stack (a plain property, so weights are tracked through it); the InputLayer, if any, is kept apart.
  protected readonly stack: SequentialLayer[] = [];
  #input: InputLayer | null = null;
  readonly #outputShapes = new Map<SequentialLayer, Shape>();

  /** `layers` may start with kiln.input() (or an InputLayer): the model is then built as layers are added. */
  constructor(layers: readonly (SequentialLayer | Tensor)[] = [], options: SequentialOptions = {}) {
    const { layers: configs, ...base } = options;
    super(base);
    this.supportsMasking = true;
    for (const c of configs ?? []) {
      if (!isSerialized(c)) throw new ValueError(`${this.label}: layers in a config must be {className, config}`);
      this.add(deserializeLayer(c) as SequentialLayer);
    }
    for (const l of layers) this.add(l);
  }

  /** The layers in order (the InputLayer left out, as in Keras). */
  override get layers(): AnyLayer[] {
    return [...this.stack] as AnyLayer[];
  }

  /** Appends a layer, or sets the input when given kiln.input() or an InputLayer before any layer. */
  add(layer: SequentialLayer | Tensor): void {
    if (layer instanceof Tensor && isKerasTensor(layer)) {
      const input = inputLayerOf(layer);
      if (!input) throw new ValueError(`${this.label}: add() takes layers or kiln.input(), got ${layer.toString()}`);
      layer = input;
    }
    if (!(layer instanceof Layer))
      throw new ValueError(`${this.label}: only layers can be added, got ${String(layer)}`);
    if (layer instanceof InputLayer) {
      if (this.#input || this.stack.length > 0)
        throw new ValueError(`${this.label}: an input must come first, before any layer, and only once`);
      this.#input = layer;
      return;
    }
    if (this.stack.some((l) => l.name === layer.name))
      throw new ValueError(`${this.label}: a layer named "${layer.name}" is already in the model; layer names ` +
        `must be unique`);
    this.stack.push(layer);
    this.built = false;
    this.buildFromInput();
  }

  /** Removes and returns the last layer. */
  pop(): SequentialLayer {
    const layer = this.stack.pop();
    if (!layer) throw new ValueError(`${this.label}: pop() on a model with no layers`);
    this.#outputShapes.delete(layer);
    this.built = false;
    this.buildFromInput();
    return layer;
  }

  // Keras builds a Sequential with an input right away: run the stack on the symbolic input.
  private buildFromInput(): void {
    if (!this.#input || this.stack.length === 0) return;
    let x = this.#input.output;
    for (const l of this.stack) {
      x = l.apply(x);
      this.#outputShapes.set(l, kerasShape(x));
    }
    this.built = true;
  }

  override call(inputs: Tensor, { training, mask }: CallArgs): Tensor {
    if (this.stack.length === 0)
      throw new ValueError(`${this.label}: the model has no layers; add() some before calling it`);
    let x = this.#input ? this.#input.apply(inputs) : inputs;
    let m: Mask = mask;
    for (const layer of this.stack) {
      x = layer.apply(x, { training, mask: m });
      m = getMask(x);
      if (!this.#input && !x.isSymbolic) this.#outputShapes.set(layer, [...x.shape]);
    }
    return x;
  }

  /** The last layer's output already carries its mask. */
  override computeMask(): Mask {
    return null;
  }

  protected override summaryRows(): SummaryRow[] {
    const unbuilt = this.stack.find((l) => !l.built || !this.#outputShapes.has(l));
    if (unbuilt)
      throw new ValueError(`${this.label}: the model has not been built yet; call it on a batch of data first`);
    return this.stack.map((l) => ({
      layer: `${l.name} (${l.constructor.name})`,
      outputShape: tupleOf(this.#outputShapes.get(l)!),
      params: l.countParams(),
    }));
  }

  /** A new Sequential from getConfig()'s output: its layers are deserialized. */
  static override fromConfig<T extends AnyLayer>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as typeof Sequential)([], config as SequentialOptions) as AnyLayer as T;
  }

  override getConfig(): Config {
    const layers = [...(this.#input ? [this.#input] : []), ...this.stack];
    return { ...super.getConfig(), layers: layers.map((l) => serializeLayer(l as AnyLayer)) };
  }
}

registerLayer(Sequential);
