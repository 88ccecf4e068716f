// compile()'s options as JSON, so that a loaded model is compiled as the saved one was: the optimizer, losses and
// metrics as {className, config} (or names), everything else as plain values. Options that cannot be written (a
// plain function as a loss or metric, an unregistered class) make the whole config unserializable.
import { SavingError } from '../core/errors.js';
import { Optimizer } from '../optimizers/optimizer.js';
import * as optimizers from '../optimizers/index.js';
import { Loss } from '../losses/loss.js';
import * as losses from '../losses/index.js';
import { Metric } from '../metrics/metric.js';
import * as metrics from '../metrics/index.js';
import type { Config, ConfigValue } from '../engine/registry.js';
import type { CheckedCompileOptions, CompileOptions } from '../engine/trainer/compile-options.js';

function toJSONValue(where: string, x: unknown): ConfigValue {
  if (x === null || x === undefined) return null;
  if (typeof x === 'string' || typeof x === 'boolean') return x;
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new SavingError(`${where}: ${x} cannot be written as JSON`);
    return x;
  }
  if (x instanceof Optimizer) return optimizers.serialize(x);
  if (x instanceof Loss) return losses.serialize(x);
  if (x instanceof Metric) return metrics.serialize(x);
  if (typeof x === 'function') throw new SavingError(`${where}: a plain function cannot be saved; use a registered class`);
  if (Array.isArray(x)) return x.map((v, i) => toJSONValue(`${where}[${i}]`, v));
  if (typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype)
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, toJSONValue(`${where}.${k}`, v)]));
  throw new SavingError(`${where}: ${(x as object).constructor?.name ?? typeof x} cannot be saved`);
}

/** The compile options as JSON; a SavingError (naming the option) when one cannot be serialized. */
export function compileToConfig(options: CheckedCompileOptions): Config {
  const out: Config = {};
  for (const [k, v] of Object.entries(options)) {
    try {
      out[k] = toJSONValue(k, v);
    } catch (e) {
      throw new SavingError(`compile option ${k}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** compile() options from compileToConfig's output: identifiers as {className, config} are looked up by compile. */
export function compileFromConfig(config: Config): CompileOptions {
  return config as unknown as CompileOptions;
}
