// model.save / kiln.loadModel: the whole model in one `.kiln` container: architecture JSON, every weight, the
// compile options (when they serialize) and the optimizer state, so that a loaded model continues training exactly.
import { SavingError, ValueError } from '../core/errors.js';
import type { Config } from '../engine/registry.js';
import { serializeLayer } from '../engine/registry.js';
import type { AnyLayer } from '../engine/layer.js';
import type { Model } from '../engine/model.js';
import { modelFromJSON } from '../engine/model-json.js';
import type { CheckedCompileOptions } from '../engine/trainer/compile-options.js';
import { readContainer, writeContainer, type Container } from './container.js';
import { planWeightRestore, weightEntries } from './weights.js';
import { hasOptimizerState, optimizerEntries, planOptimizerRestore } from './optimizer-state.js';
import { compileFromConfig, compileToConfig } from './compile-config.js';

/** Options of loadModel. */
export interface LoadModelOptions {
  /** Compile the model with the saved compile options and restore the optimizer state (default true). */
  compile?: boolean;
}

function architectureOf(model: Model, file: string): Config {
  try {
    return serializeLayer(model as AnyLayer) as unknown as Config;
  } catch (e) {
    // Sequential and Functional are registered, so the model's own class missing means a subclassed model.
    if (e instanceof ValueError && e.message.includes(`class ${model.constructor.name} is not registered`))
      throw new SavingError(`${file}: cannot save the architecture of the subclassed model ` +
        `${model.constructor.name} "${model.name}": register its class with registerLayer (and give it ` +
        `getConfig/fromConfig), or save only its weights with model.saveWeights() (${e.message})`);
    throw e;
  }
}

/** A ValueError unless `file` ends in `.kiln` (Keras likewise insists on `.keras`), naming `op`. */
export function checkExtension(op: string, file: string): void {
  if (typeof file !== 'string' || !file.endsWith('.kiln'))
    throw new ValueError(`${op}: the file name must end in ".kiln", got ${JSON.stringify(file)}`);
}

/** Writes `model` to `file`; `compiled` is the model's compile options (null when not compiled). */
export function saveModel(model: Model, file: string, compiled: CheckedCompileOptions | null): void {
  checkExtension(`${model.constructor.name} "${model.name}".save`, file);
  const architecture = architectureOf(model, file);
  const weights = model.weights;
  let compile: Config | null = null;
  let compileSkipped: string | null = null;
  if (compiled) {
    try {
      compile = compileToConfig(compiled);
    } catch (e) {
      // Keras saves the model anyway and warns; the loaded model then needs compile() again.
      compileSkipped = (e as Error).message;
      console.warn(`kiln: ${file}: the compile options are not saved (${compileSkipped}); compile the loaded model again`);
    }
  }
  const meta: Config = { kind: 'model', architecture, weights: weights.map((w) => w.name), compile, compileSkipped };
  const entries = [...weightEntries(weights), ...(compiled ? optimizerEntries(compiled.optimizer, weights) : [])];
  writeContainer(file, meta, entries);
}

/** Checks that a container is of `kind` ('model', 'weights', 'backup'). */
export function expectKind(file: string, c: Container, kinds: readonly string[]): void {
  if (!kinds.includes(c.meta.kind as string))
    throw new SavingError(`${file}: meta.kind is ${JSON.stringify(c.meta.kind)}, expected ${kinds.map((k) => `"${k}"`)
      .join(' or ')}`);
}

/** A model from a file written by model.save(): architecture, weights, and (by default) compile and optimizer state. */
export function loadModel(file: string, options: LoadModelOptions = {}): Model {
  const { compile = true } = options;
  const c = readContainer(file);
  expectKind(file, c, ['model']);
  let model: Model;
  try {
    model = modelFromJSON(c.meta.architecture as Config);
  } catch (e) {
    throw new SavingError(`${file}: cannot rebuild the architecture (${(e as Error).message})`);
  }
  const assignWeights = planWeightRestore(file, model, c);
  let assignOptimizer = (): void => {};
  const config = c.meta.compile;
  if (compile && config !== null && typeof config === 'object' && !Array.isArray(config)) {
    model.compile(compileFromConfig(config));
    if (hasOptimizerState(c)) assignOptimizer = planOptimizerRestore(file, model.optimizer, model.weights, c);
  }
  assignWeights();
  assignOptimizer();
  return model;
}
