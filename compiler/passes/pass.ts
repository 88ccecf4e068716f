// The interface every graph pass implements, and the context that carries the debug flag and log sink.
import type { FuncGraph } from '../ir/func-graph.js';

/** Debug switch and log sink shared by the passes of one optimize() run. */
export interface PassContext {
  /** When true, passes log every change they make through log(). */
  readonly debug: boolean;
  /** Writes one line of debug output. */
  log(line: string): void;
}

/** A graph-to-graph transformation; the result must still verify. */
export interface Pass {
  /** Short kebab-case name, the prefix of its log lines. */
  readonly name: string;
  /** Returns the transformed graph (a new one, or `g` itself when nothing changed). */
  run(g: FuncGraph, ctx: PassContext): FuncGraph;
}

/** Options that make a PassContext. */
export interface PassContextOptions {
  /** Log every change (default: environment variable `KILN_DEBUG_PASSES=1`). */
  debug?: boolean;
  /** Where log lines go (default: stderr). */
  log?: (line: string) => void;
}

/** A context from options, with the environment deciding `debug` when the options do not. */
export function passContext(options: PassContextOptions = {}): PassContext {
  return {
    debug: options.debug ?? process.env.KILN_DEBUG_PASSES === '1',
    log: options.log ?? ((line) => process.stderr.write(line + '\n')),
  };
}
