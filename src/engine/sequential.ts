// Sequential: a plain stack of single-input, single-output layers. Each layer is built on the first call from
// the output shape of the one before (shape inference by running the stack); masks flow from layer to layer.
import { ValueError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { Layer, type AnyLayer, type CallArgs, type LayerOptions, type Mask } from './layer.js';
import { fmtDims, type Shape } from './input-spec.js';
import { getMask } from './mask.js';
import { deserializeLayer, isSerialized, registerLayer, serializeLayer, type Config } from './registry.js';
import { formatSummary } from './summary.js';

/** A layer that Sequential can stack: one tensor in, one tensor out. */
export type SequentialLayer = Layer<Tensor, Tensor>;

/** Options of Sequential (the base layer options, and the layers in a config). */
export interface SequentialOptions extends LayerOptions {
  /** Serialized layers (as getConfig gives them); the constructor's first argument is the usual way. */
  layers?: Config[];
}

/** Options of summary(). */
export interface SummaryOptions {
  /** Where the table goes, line by line joined with newlines (default console.log; null: nowhere). */
  printFn?: ((text: string) => void) | null;
}

// Shapes in the summary look like Keras': (32, 10), (5,).
function tupleOf(shape: Shape): string {
  const dims = fmtDims(shape).slice(1, -1);
  return shape.length === 1 ? `(${dims},)` : `(${dims})`;
}

/** A linear stack of layers (Keras `Sequential`). */
export class Sequential extends Layer<Tensor, Tensor> {
  /** The layers, in order. */
  readonly layers: SequentialLayer[] = [];
  readonly #outputShapes = new Map<SequentialLayer, Shape>();

  constructor(layers: readonly SequentialLayer[] = [], options: SequentialOptions = {}) {
    const { layers: configs, ...base } = options;
    super(base);
    this.supportsMasking = true;
    // Each layer casts its own inputs; the stack passes them on unchanged.
    this.autocast = false;
    for (const c of configs ?? []) {
      if (!isSerialized(c)) throw new ValueError(`${this.label}: layers in a config must be {className, config}`);
      this.add(deserializeLayer(c) as SequentialLayer);
    }
    for (const l of layers) this.add(l);
  }

  /** Appends a layer (the stack is rebuilt on its next call). */
  add(layer: SequentialLayer): void {
    if (!(layer instanceof Layer))
      throw new ValueError(`${this.label}: only layers can be added, got ${String(layer)}`);
    if (this.layers.some((l) => l.name === layer.name))
      throw new ValueError(`${this.label}: a layer named "${layer.name}" is already in the model; layer names ` +
        `must be unique`);
    this.layers.push(layer);
    this.built = false;
  }

  /** Removes and returns the last layer. */
  pop(): SequentialLayer {
    const layer = this.layers.pop();
    if (!layer) throw new ValueError(`${this.label}: pop() on a model with no layers`);
    this.#outputShapes.delete(layer);
    this.built = false;
    return layer;
  }

  override call(inputs: Tensor, { training, mask }: CallArgs): Tensor {
    if (this.layers.length === 0)
      throw new ValueError(`${this.label}: the model has no layers; add() some before calling it`);
    let x = inputs;
    let m: Mask = mask;
    for (const layer of this.layers) {
      x = layer.apply(x, { training, mask: m });
      m = getMask(x);
      this.#outputShapes.set(layer, [...x.shape]);
    }
    return x;
  }

  /** The last layer's output already carries its mask. */
  override computeMask(): Mask {
    return null;
  }

  /** The summary table (layers, output shapes, parameter counts); printed with printFn and returned. */
  summary({ printFn = console.log }: SummaryOptions = {}): string {
    const unbuilt = this.layers.find((l) => !l.built || !this.#outputShapes.has(l));
    if (!this.built || unbuilt)
      throw new ValueError(`${this.label}: the model has not been built yet; call it on a batch of data first`);
    const rows = this.layers.map((l) => ({
      layer: `${l.name} (${l.constructor.name})`,
      outputShape: tupleOf(this.#outputShapes.get(l)!),
      params: l.countParams(),
    }));
    const text = formatSummary(this.name, rows, this.trainableWeights, this.nonTrainableWeights);
    printFn?.(text);
    return text;
  }

  /** A new Sequential from getConfig()'s output: its layers are deserialized. */
  static override fromConfig<T extends AnyLayer>(this: new (config: never) => T, config: Config): T {
    return new (this as unknown as typeof Sequential)([], config as SequentialOptions) as AnyLayer as T;
  }

  override getConfig(): Config {
    return { ...super.getConfig(), layers: this.layers.map((l) => serializeLayer(l as AnyLayer)) };
  }
}

registerLayer(Sequential);
