// Model (Keras `Model`): a layer that groups layers and is what training, saving and plotting work on. Subclass it
// and override call() (a subclassed model, built on its first call), or get one from kiln.model() (Functional) or
// Sequential.
import { ValueError } from '../core/errors.js';
import { Layer, directChildren, type AnyLayer, type LayerIO, type LayerOptions } from './layer.js';
import type { Shape } from './input-spec.js';
import { modelToJSON } from './model-json.js';
import { formatSummary, type SummaryRow } from './summary.js';

/** Options of summary(). */
export interface SummaryOptions {
  /** Where the table goes, line by line joined with newlines (default console.log; null: nowhere). */
  printFn?: ((text: string) => void) | null;
}

/** A shape as Keras prints it: (None, 10), (5,). */
export function tupleOf(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d))).join(', ');
  return shape.length === 1 ? `(${dims},)` : `(${dims})`;
}

/** Base class of models; subclass it and override call() for a subclassed model. */
export abstract class Model<In extends LayerIO = LayerIO, Out extends LayerIO = LayerIO> extends Layer<In, Out> {
  constructor(options: LayerOptions = {}) {
    super(options);
    // Each inner layer casts its own inputs; the model passes them on unchanged.
    this.autocast = false;
  }

  /** The layers directly inside the model, in the order they were assigned. */
  get layers(): AnyLayer[] {
    return directChildren(this as AnyLayer);
  }

  /** The layer named `name` among `layers`. */
  getLayer(name: string): AnyLayer {
    const layer = this.layers.find((l) => l.name === name);
    if (!layer)
      throw new ValueError(`${this.label}: no layer named "${name}"; layers: ${this.layers.map((l) => l.name).join(', ')}`);
    return layer;
  }

  /** The rows of the summary table; subclasses that know output shapes override it. */
  protected summaryRows(): SummaryRow[] {
    return this.layers.map((l) => ({
      layer: `${l.name} (${l.constructor.name})`,
      outputShape: '?',
      params: l.built ? l.countParams() : 0,
    }));
  }

  /** The summary table (layers, output shapes, parameter counts); printed with printFn and returned. */
  summary({ printFn = console.log }: SummaryOptions = {}): string {
    if (!this.built)
      throw new ValueError(`${this.label}: the model has not been built yet; call it on a batch of data first`);
    const text = formatSummary(this.name, this.summaryRows(), this.trainableWeights, this.nonTrainableWeights);
    printFn?.(text);
    return text;
  }

  /** The architecture as a JSON string (Keras `to_json`): class and config of every layer, no weights. */
  toJSON(): string {
    return modelToJSON(this as AnyLayer);
  }
}
