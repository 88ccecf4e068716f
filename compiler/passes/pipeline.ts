// The optimization pipeline: the ordered list of passes in one place, and optimize() that runs it, verifying
// the graph after every pass so a broken pass is caught where it broke the graph.
import type { FuncGraph } from '../ir/func-graph.js';
import { printGraph } from '../ir/printer.js';
import { verify } from '../ir/verifier.js';
import { eliminateCommonSubexpressions } from './eliminate-common-subexpressions.js';
import { eliminateDeadCode } from './eliminate-dead-code.js';
import { foldConstants } from './fold-constants.js';
import { inferShapes } from './infer-shapes.js';
import { passContext, type Pass, type PassContextOptions } from './pass.js';
import { simplifyAlgebra } from './simplify-algebra.js';

/**
 * The passes optimize() runs, in order. Folding first turns constant subgraphs into constants the algebraic
 * rules can read; simplification leaves duplicates for CSE and dead nodes for DCE, which runs last.
 */
export const pipeline: readonly Pass[] = [
  inferShapes, foldConstants, simplifyAlgebra, eliminateCommonSubexpressions, eliminateDeadCode,
];

/** Runs the pipeline on `g` and returns the optimized graph (`g` itself is not modified). */
export function optimize(g: FuncGraph, options: PassContextOptions = {}): FuncGraph {
  const ctx = passContext(options);
  verify(g);
  // Log lines name values as printGraph numbers them in the graph a pass received: print each graph once.
  if (ctx.debug) ctx.log(printGraph(g));
  let graph = g;
  for (const pass of pipeline) {
    const next = pass.run(graph, ctx);
    verify(next);
    if (ctx.debug && next !== graph)
      ctx.log(`${pass.name}: ${graph.nodes.length} → ${next.nodes.length} nodes\n${printGraph(next)}`);
    graph = next;
  }
  return graph;
}
