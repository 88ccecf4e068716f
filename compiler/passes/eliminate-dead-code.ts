// Dead-code elimination: walks the graph backwards from what must happen (its outputs and its state updates)
// and drops every node none of them depends on, along with constants only dead nodes used.
import type { Node, Value } from '../ir/func-graph.js';
import { valueNames } from '../ir/printer.js';
import { fmtNode, rewriteGraph } from '../ir/rewrite.js';
import type { Pass } from './pass.js';

/** Drops nodes whose outputs reach neither a graph output nor a state update. */
export const eliminateDeadCode: Pass = {
  name: 'dce',
  run(g, ctx) {
    const live = new Set<Value>(g.outputs);
    const dead = new Set<Node>();
    for (let i = g.nodes.length - 1; i >= 0; i--) {
      const node = g.nodes[i];
      if (node.prim.kind !== 'state' && !node.outputs.some((v) => live.has(v))) {
        dead.add(node);
        continue;
      }
      for (const v of node.inputs) live.add(v);
    }
    if (dead.size === 0 && g.constants.every((c) => live.has(c))) return g;
    if (ctx.debug) {
      const names = valueNames(g);
      for (const node of g.nodes) if (dead.has(node)) ctx.log(`dce: dropped ${fmtNode(node, names)}`);
      for (const c of g.constants) if (!live.has(c)) ctx.log(`dce: dropped unused constant ${names.get(c)}`);
    }
    return rewriteGraph(g, () => 'copy', dead);
  },
};
