// Joins lowered kernels into one LLVM module, so that a whole plan is parsed, optimized and JIT-compiled in one
// call (one JIT session and one module handle instead of one per step). Declarations and internal helpers that
// several kernels share are kept once; kernel symbols are unique within a plan (graph name + step index); each
// kernel's unnamed metadata (`!N`, numbered from 0 per kernel) is renumbered past the previous kernels'.
import type { LoweredKernel } from './lower-step.js';

/** One module defining every kernel of `kernels`, each shared declaration and helper once. */
export function linkKernels(kernels: readonly Pick<LoweredKernel, 'ir'>[]): string {
  const declarations = new Set<string>();
  const helpers = new Set<string>();
  const bodies: string[] = [];
  let metadata = 0;
  for (const kernel of kernels) {
    let count = 0;
    const base = metadata;
    const ir = kernel.ir.replace(/!(\d+)\b/g, (_, n: string) => {
      count = Math.max(count, Number(n) + 1);
      return `!${base + Number(n)}`;
    });
    metadata += count;
    const lines = ir.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.startsWith('declare ')) {
        declarations.add(line);
      } else if (line.startsWith('define internal ')) {
        // IRBuilder writes each helper as one block ending with a lone `}`.
        const end = lines.indexOf('}', i);
        helpers.add(lines.slice(i, end + 1).join('\n'));
        i = end;
      } else {
        bodies.push(line);
      }
    }
  }
  return [...declarations, ...helpers, ...bodies].join('\n');
}
