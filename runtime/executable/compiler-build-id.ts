// A hash of the compiler's own code, part of the plan cache's key: a plan file on disk records what optimize,
// planning and lowering made of a graph, so a change to any of them (a new Kiln build, or an edit while
// developing, where the version stays the same) must miss rather than run stale plans. Computed once per process
// from the names, sizes and modification times of the files under compiler/, runtime/executable/, src/ops/ and
// src/core/ (the .ts sources, or dist's .js): stat only, so that a second process's warm compile stays cheap (a
// file touched without a change only costs one recompile).
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TREES = ['compiler', join('runtime', 'executable'), join('src', 'ops'), join('src', 'core')];

let buildId: string | undefined;

function hashTree(hash: ReturnType<typeof createHash>, dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) hashTree(hash, path);
    else if (/\.(ts|js|mjs)$/.test(e.name)) {
      const st = statSync(path);
      hash.update(`${e.name}\0${st.size}\0${st.mtimeMs}\0`);
    }
  }
}

/** A SHA-256 (hex) identifying the compiler's code on disk (its files' names, sizes and modification times). */
export function compilerBuildId(): string {
  if (buildId === undefined) {
    const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
    const hash = createHash('sha256');
    for (const tree of TREES) hashTree(hash, join(root, tree));
    buildId = hash.digest('hex');
  }
  return buildId;
}
