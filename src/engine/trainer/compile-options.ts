// compile() arguments: checked when compile is called (names looked up, shapes of lists and dicts checked), then
// spread over the model's outputs when the first batch shows how many there are and what they look like.
import { ValueError } from '../../core/errors.js';
import { isSerialized } from '../registry.js';
import * as losses from '../../losses/index.js';
import * as metrics from '../../metrics/index.js';
import * as optimizers from '../../optimizers/index.js';
import type { Loss, LossIdentifier } from '../../losses/index.js';
import type { Metric, MetricIdentifier } from '../../metrics/index.js';
import type { Optimizer, OptimizerIdentifier } from '../../optimizers/index.js';

/** Something given once for the model, per output as a list, or per output name as a dict. */
export type PerOutput<T> = T | readonly T[] | Readonly<Record<string, T>>;

/** Options of Model.compile (Keras `compile`). */
export interface CompileOptions {
  /** Optimizer name ("rmsprop", "adam", ...) or instance (default "rmsprop"). */
  optimizer?: OptimizerIdentifier;
  /** Loss name, instance or function; a list or a dict keyed by output names for several outputs; null: none. */
  loss?: PerOutput<LossIdentifier | null> | null;
  /** Metrics for every output, or a list of lists / a dict keyed by output names. */
  metrics?: readonly MetricIdentifier[] | readonly (readonly MetricIdentifier[])[] |
    Readonly<Record<string, MetricIdentifier | readonly MetricIdentifier[]>>;
  /** Metrics that also weigh each sample by the sampleWeight (or classWeight) of fit / evaluate; same forms as metrics. */
  weightedMetrics?: CompileOptions['metrics'];
  /** Weights of the per-output losses in the total loss (default 1 each). */
  lossWeights?: readonly number[] | Readonly<Record<string, number>> | null;
  /** Run the steps op by op under a GradientTape instead of compiling them (default false). */
  runEagerly?: boolean;
  /** Compile traced steps to the native plan executor; false runs them with the graph interpreter (default true). */
  jitCompile?: boolean;
  /** Train batches run per native call (default 1); batch-level callbacks then see every K-th batch. */
  stepsPerExecution?: number;
}

const KEYS = ['optimizer', 'loss', 'metrics', 'weightedMetrics', 'lossWeights', 'runEagerly', 'jitCompile',
  'stepsPerExecution'];

/** compile()'s arguments after checking, before they meet the outputs. */
export interface CheckedCompileOptions {
  readonly optimizer: Optimizer;
  readonly loss: PerOutput<Loss | null>;
  readonly metrics: CompileOptions['metrics'];
  readonly weightedMetrics: CompileOptions['metrics'];
  readonly lossWeights: readonly number[] | Readonly<Record<string, number>> | null;
  readonly runEagerly: boolean;
  readonly jitCompile: boolean;
  readonly stepsPerExecution: number;
}

/** The per-output plan of the train and test steps. */
export interface OutputPlan {
  /** The loss of each output (null: no loss on it). */
  readonly losses: (Loss | null)[];
  /** The weight of each output's loss. */
  readonly weights: number[];
  /** The metrics with the output they watch, the name they log under and whether sample weights reach them. */
  readonly metrics: { readonly metric: Metric; readonly output: number; readonly name: string;
    readonly weighted: boolean }[];
}

function isDict(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype &&
    !isSerialized(x);
}

function getLoss(id: LossIdentifier | null): Loss | null {
  return id === null || id === undefined ? null : losses.get(id);
}

/** Checks compile()'s options: unknown keys, types, and names of the optimizer, losses and metrics. */
export function checkCompileOptions(owner: string, options: CompileOptions): CheckedCompileOptions {
  if (!isDict(options as unknown)) throw new ValueError(`${owner}.compile: options must be an object, got ${JSON.stringify(options)}`);
  for (const k of Object.keys(options))
    if (!KEYS.includes(k))
      throw new ValueError(`${owner}.compile: unknown option "${k}"; expected one of ${KEYS.join(', ')}`);
  const { optimizer = 'rmsprop', loss = null, metrics: ms = [], weightedMetrics = [], lossWeights = null,
    runEagerly = false, jitCompile = true, stepsPerExecution = 1 } = options;
  for (const [k, v] of [['runEagerly', runEagerly], ['jitCompile', jitCompile]] as const)
    if (typeof v !== 'boolean') throw new ValueError(`${owner}.compile: ${k} must be a boolean, got ${JSON.stringify(v)}`);
  const checkedLoss: PerOutput<Loss | null> = Array.isArray(loss) ? loss.map(getLoss)
    : isDict(loss) ? Object.fromEntries(Object.entries(loss).map(([k, v]) => [k, getLoss(v as LossIdentifier)]))
      : getLoss(loss as LossIdentifier | null);
  if (typeof stepsPerExecution !== 'number' || !Number.isInteger(stepsPerExecution) || stepsPerExecution < 1)
    throw new ValueError(`${owner}.compile: stepsPerExecution must be a positive integer, got ` +
      `${JSON.stringify(stepsPerExecution)}`);
  for (const [k, m] of [['metrics', ms], ['weightedMetrics', weightedMetrics]] as const) {
    if (!Array.isArray(m) && !isDict(m))
      throw new ValueError(`${owner}.compile: ${k} must be a list or a dict keyed by output names, got ` +
        `${JSON.stringify(m)}`);
    // Look the metric names up now, so that a typo fails at compile; the real metrics are made with shape hints later.
    const flatIds = (Array.isArray(m) ? m : Object.values(m)).flat() as MetricIdentifier[];
    for (const id of flatIds) if (typeof id === 'string') metrics.get(id);
  }
  if (lossWeights !== null) {
    const ws = Array.isArray(lossWeights) ? lossWeights : isDict(lossWeights) ? Object.values(lossWeights) : null;
    if (!ws || ws.some((w) => typeof w !== 'number' || !Number.isFinite(w)))
      throw new ValueError(`${owner}.compile: lossWeights must be a list or a dict of finite numbers, got ` +
        `${JSON.stringify(lossWeights)}`);
  }
  return { optimizer: optimizers.get(optimizer), loss: checkedLoss, metrics: ms, weightedMetrics, lossWeights, runEagerly,
    jitCompile, stepsPerExecution };
}

/** Spreads a per-output option over the outputs named `names` (a single value goes to every output). */
function spread<T>(owner: string, what: string, spec: PerOutput<T> | null, names: readonly string[],
                   isSingle: (x: unknown) => boolean, absent: T): T[] {
  if (spec === null || spec === undefined) return names.map(() => absent);
  if (Array.isArray(spec) && !isSingle(spec)) {
    if (spec.length !== names.length)
      throw new ValueError(`${owner}: ${what} has ${spec.length} entries but the model has ${names.length} outputs ` +
        `(${names.join(', ')})`);
    return [...spec] as T[];
  }
  if (isDict(spec) && !isSingle(spec)) {
    for (const k of Object.keys(spec))
      if (!names.includes(k))
        throw new ValueError(`${owner}: ${what} names output "${k}", but the outputs are ${names.join(', ')}`);
    return names.map((n) => (Object.hasOwn(spec, n) ? (spec as Record<string, T>)[n] : absent));
  }
  return names.map(() => spec as T);
}

/** The output plan: losses, loss weights and metrics per output, metrics made with the output's shapes. */
export function planOutputs(owner: string, options: CheckedCompileOptions, names: readonly string[],
                            shapes: readonly { yTrueShape: readonly number[]; yPredShape: readonly number[] }[]):
  OutputPlan {
  const lossList = spread<Loss | null>(owner, 'loss', options.loss, names, () => false, null);
  const weights = spread<number>(owner, 'lossWeights', options.lossWeights, names, (x) => typeof x === 'number', 1);
  const plan: OutputPlan['metrics'] = [];
  const taken = new Set<string>(['loss']);
  for (const [what, ms, weighted] of [['metrics', options.metrics ?? [], false],
    ['weightedMetrics', options.weightedMetrics ?? [], true]] as const) {
    // A flat list of metrics applies to every output; a list of lists or a dict gives each output its own.
    const perOutput = Array.isArray(ms) && !ms.some(Array.isArray) ? names.map(() => ms as MetricIdentifier[])
      : spread<MetricIdentifier | readonly MetricIdentifier[]>(owner, what, ms, names, () => false, [])
        .map((m) => (Array.isArray(m) ? [...m] : [m]) as MetricIdentifier[]);
    perOutput.forEach((ids, output) => {
      for (const id of ids) {
        const metric = metrics.get(id, shapes[output]);
        const base = names.length > 1 ? `${names[output]}_${metric.name}` : metric.name;
        // A weighted metric named like an unweighted one logs as weighted_<name>.
        let name = weighted && taken.has(base) ? `weighted_${base}` : base;
        for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
        taken.add(name);
        plan.push({ metric, output, name, weighted });
      }
    });
  }
  return { losses: lossList, weights, metrics: plan };
}
