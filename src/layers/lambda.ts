// Lambda: wraps a function of tensors as a layer (Keras `Lambda`). Output shapes come from tracing, so no
// outputShape option is needed. Its config holds the function's source text; rebuilding it evaluates that text,
// which runs arbitrary code, so (as Keras' safe mode) it is refused unless enableUnsafeDeserialization() was called.
// The source sees the global scope and `ops` (kiln.ops) only: closures over other variables do not survive.
import { ValueError } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import * as ops from '../ops/index.js';
import { Layer, type AnyLayer, type CallArgs, type LayerIO, type LayerOptions, type Mask } from '../engine/layer.js';
import { registerLayer, type Config, type ConfigValue } from '../engine/registry.js';

/** What a Lambda's function receives besides the inputs. */
export interface LambdaArgs extends CallArgs {
  /** The layer's `arguments` option. */
  arguments: Config;
}

/** The wrapped computation. */
export type LambdaFunction = (inputs: LayerIO, args: LambdaArgs) => LayerIO;

/** The output mask from the inputs and their masks. */
export type LambdaMaskFunction = (inputs: LayerIO, mask: Mask) => Mask;

/** Options of Lambda. */
export interface LambdaOptions extends LayerOptions {
  /**
   * The computation. For the config to round-trip it must be an arrow function or a function expression that uses
   * only its arguments, globals and `ops` (kiln.ops), e.g. `(x) => ops.square(x)`.
   */
  function: LambdaFunction;
  /** The output mask: a fixed tensor, a function of (inputs, mask), or null (default: the layer drops masks). */
  mask?: Tensor | LambdaMaskFunction | null;
  /** JSON values passed to the function as `args.arguments` (default {}). */
  arguments?: Config;
}

let unsafeDeserialization = false;

/** Allows Lambda.fromConfig to evaluate function source from configs (Keras `enable_unsafe_deserialization`). */
export function enableUnsafeDeserialization(enabled = true): void {
  unsafeDeserialization = enabled;
}

/** Evaluates a function's source text; `what` names it in errors. */
function loadFunction(label: string, what: string, source: ConfigValue): unknown {
  if (typeof source !== 'string')
    throw new ValueError(`${label}: config "${what}" must be a function's source text, got ${JSON.stringify(source)}`);
  let fn: unknown;
  try {
    fn = new Function('ops', `return (${source});`)(ops);
  } catch (e) {
    throw new ValueError(`${label}: cannot evaluate the source of "${what}": ${(e as Error).message}`);
  }
  if (typeof fn !== 'function') throw new ValueError(`${label}: the source of "${what}" is not a function`);
  return fn;
}

/** A layer that applies `function` to its inputs. */
export class Lambda extends Layer<LayerIO, LayerIO> {
  readonly function: LambdaFunction;
  readonly mask: Tensor | LambdaMaskFunction | null;
  readonly arguments: Config;

  constructor(options: LambdaOptions) {
    super(options);
    const { function: fn, mask = null, arguments: args = {} } = options;
    if (typeof fn !== 'function')
      throw new ValueError(`${this.label}: function must be a function, got ${JSON.stringify(fn)}`);
    if (mask !== null && typeof mask !== 'function' && !(mask instanceof Tensor))
      throw new ValueError(`${this.label}: mask must be a tensor, a function or null, got ${JSON.stringify(mask)}`);
    this.function = fn;
    this.mask = mask;
    this.arguments = { ...args };
    this.supportsMasking = mask !== null;
  }

  override call(inputs: LayerIO, args: CallArgs): LayerIO {
    return this.function(inputs, { ...args, arguments: this.arguments });
  }

  override computeMask(inputs: LayerIO, mask: Mask): Mask {
    return typeof this.mask === 'function' ? this.mask(inputs, mask) : this.mask;
  }

  override getConfig(): Config {
    if (this.mask instanceof Tensor)
      throw new ValueError(`${this.label}: a fixed mask tensor cannot be serialized; pass a mask function instead`);
    return {
      ...super.getConfig(),
      function: this.function.toString(),
      mask: this.mask ? this.mask.toString() : null,
      arguments: this.arguments,
    };
  }

  /** Rebuilds a Lambda from its config; refused unless enableUnsafeDeserialization() was called. */
  static override fromConfig<T extends AnyLayer>(this: new (config: never) => T, config: Config): T {
    const label = `Lambda "${String(config.name)}"`;
    if (!unsafeDeserialization)
      throw new ValueError(`${label}: deserializing a Lambda evaluates its function's source, which can run ` +
        `arbitrary code; if you trust this config, call enableUnsafeDeserialization() first`);
    const fn = loadFunction(label, 'function', config.function);
    const mask = config.mask === null || config.mask === undefined ? null : loadFunction(label, 'mask', config.mask);
    return new (this as unknown as new (c: LambdaOptions) => T)({ ...(config as LayerOptions),
      function: fn as LambdaFunction, mask: mask as LambdaMaskFunction | null,
      arguments: (config.arguments ?? {}) as Config });
  }
}

registerLayer(Lambda);
