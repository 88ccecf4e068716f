// Model (Keras `Model`): a layer that groups layers and is what training, saving and plotting work on. Subclass it
// and override call() (a subclassed model, built on its first call), or get one from kiln.model() (Functional) or
// Sequential.
import { ValueError } from '../core/errors.js';
import { Layer, directChildren, type AnyLayer, type LayerIO, type LayerOptions, type LayerOutput } from './layer.js';
import type { Shape } from './input-spec.js';
import { modelToJSON } from './model-json.js';
import { formatSummary, type SummaryRow } from './summary.js';
import type { Tensor } from '../core/tensor.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { History } from '../callbacks/history.js';
import type { Logs } from '../callbacks/callback.js';
import { Trainer } from './trainer/trainer.js';
import type { CompileOptions } from './trainer/compile-options.js';
import type { Data } from './trainer/data.js';
import {
  evaluate, fit, makePredictRunner, predict, requireTrainer, type AsyncBatchIterable, type BatchIterable,
  type EvaluateOptions, type FitOptions, type InputData, type PredictOptions, type PredictRunner,
} from './trainer/loops.js';
import { runOnBatch, type OnBatchOptions } from './trainer/one-batch.js';
import { saveModel } from '../saving/model-file.js';
import { loadWeights, saveWeights } from '../saving/weights-file.js';

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

/** Options of Model.export (Keras `export`). */
export interface ExportOptions {
  /** The file format (default and only format so far: 'onnx'). */
  format?: 'onnx';
  /** ONNX opset version (see kiln.onnx.exportModel). */
  opset?: number;
}

/** Writes a model in one export format. */
export type ModelExporter = (model: Model, path: string, options: ExportOptions) => void;

// Export formats register themselves (src/onnx does on import): the exporters import the model classes, so
// importing them here would be an import cycle.
const exporters = new Map<string, ModelExporter>();

/** Registers the writer of an export format for Model.export. */
export function registerExportFormat(format: string, exporter: ModelExporter): void {
  exporters.set(format, exporter);
}

// The training loops take any model, whatever its input and output types.
const untyped = <In extends LayerIO, Out extends LayerOutput>(m: Model<In, Out>): Model => m as unknown as Model;

/** Base class of models; subclass it and override call() for a subclassed model. */
export abstract class Model<In extends LayerIO = LayerIO, Out extends LayerOutput = LayerIO> extends Layer<In, Out> {
  /** Set to true (e.g. by a callback) to stop fit() at the end of the current batch. */
  stopTraining = false;
  /**
   * Set by a callback in onTrainBegin to make fit() start from this epoch instead of its initialEpoch (Keras
   * `_initial_epoch`; BackupAndRestore sets it when it restores an interrupted run). fit() clears it first.
   */
  resumeEpoch: number | null = null;
  #trainer: Trainer | null = null;
  #predictRunner: PredictRunner | null = null;

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

  /**
   * Saves the model to one `.kiln` file (Keras `save`): architecture, all weights, the compile options when they
   * serialize and the optimizer state; kiln.loadModel(path) gives it back ready to continue training. Written
   * atomically. Subclassed models need their class registered (else use saveWeights).
   */
  save(path: string): void {
    saveModel(untyped(this), path, this.#trainer?.options ?? null);
  }

  /** Saves only the weights (trainable and non-trainable, in model order) to a `.kiln` file (Keras `save_weights`). */
  saveWeights(path: string): void {
    saveWeights(untyped(this), path);
  }

  /**
   * Loads weights written by saveWeights or save into this (built) model, matched by position (Keras
   * `load_weights`). Every weight is checked (count, dtype, shape) before any is assigned.
   */
  loadWeights(path: string): void {
    loadWeights(untyped(this), path);
  }

  /** Configures training (Keras `compile`): optimizer, losses, metrics, loss weights, eager or compiled steps. */
  compile(options: CompileOptions = {}): void {
    this.#trainer = new Trainer(untyped(this), options);
    this.#predictRunner = null;
  }

  /** The optimizer given to compile() (a ValueError before compile). */
  get optimizer(): Optimizer {
    return requireTrainer(untyped(this), this.#trainer, 'optimizer').optimizer;
  }

  /** Trains the model (Keras `fit`); returns the History of per-epoch logs. */
  fit(x: AsyncBatchIterable, y?: null, options?: FitOptions): Promise<History>;
  fit(x: Data | BatchIterable, y?: Data | null, options?: FitOptions): History;
  fit(x: InputData, y?: Data | null, options: FitOptions = {}): History | Promise<History> {
    return fit(untyped(this), requireTrainer(untyped(this), this.#trainer, 'fit'), x, y, options);
  }

  /** The loss and metrics over the data (Keras `evaluate`): [loss, ...metrics], or a dict with returnDict. */
  evaluate(x: AsyncBatchIterable, y?: null, options?: EvaluateOptions): Promise<number[] | Logs>;
  evaluate(x: Data | BatchIterable, y?: Data | null, options?: EvaluateOptions): number[] | Logs;
  evaluate(x: InputData, y?: Data | null, options: EvaluateOptions = {}): number[] | Logs | Promise<number[] | Logs> {
    const trainer = requireTrainer(untyped(this), this.#trainer, 'evaluate');
    return evaluate(untyped(this), trainer, x, y, options);
  }

  /** The model's outputs over the data, computed in batches (Keras `predict`); needs no compile(). */
  predict(x: AsyncBatchIterable, options?: PredictOptions): Promise<LayerOutput>;
  predict(x: Data | BatchIterable, options?: PredictOptions): LayerOutput;
  predict(x: InputData, options: PredictOptions = {}): LayerOutput | Promise<LayerOutput> {
    this.#predictRunner ??= makePredictRunner(untyped(this), this.#trainer);
    return predict(untyped(this), this.#predictRunner, x, options);
  }

  /** One training step on one batch (Keras `train_on_batch`): [loss, ...metrics], or a dict with returnDict. */
  trainOnBatch(x: Data, y?: Data | null, options: OnBatchOptions = {}): number[] | Logs {
    const trainer = requireTrainer(untyped(this), this.#trainer, 'trainOnBatch');
    return runOnBatch(untyped(this), trainer, 'train', x, y, options);
  }

  /** One test step on one batch (Keras `test_on_batch`): [loss, ...metrics], or a dict with returnDict. */
  testOnBatch(x: Data, y?: Data | null, options: OnBatchOptions = {}): number[] | Logs {
    const trainer = requireTrainer(untyped(this), this.#trainer, 'testOnBatch');
    return runOnBatch(untyped(this), trainer, 'test', x, y, options);
  }

  /** Writes the model for inference elsewhere (Keras `export`): format 'onnx' writes an ONNX file at `path`. */
  export(path: string, options: ExportOptions = {}): void {
    const format = options.format ?? 'onnx';
    const exporter = exporters.get(format);
    if (!exporter)
      throw new ValueError(`${this.label}: unknown export format ${JSON.stringify(format)}; known formats: ` +
        `${[...exporters.keys()].join(', ') || 'none (import kiln to register them)'}`);
    exporter(untyped(this), path, options);
  }

  /** The model's outputs for one batch (Keras `predict_on_batch`). */
  predictOnBatch(x: Data): LayerOutput {
    return this.predict(x, { batchSize: Number.MAX_SAFE_INTEGER, verbose: 0 });
  }
}
