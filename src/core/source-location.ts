// Source locations of traced ops: the first stack frame in user code, i.e. outside Kiln's own folders
// (src/, compiler/, runtime/ of this package), node_modules and Node internals.
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The package root (the folder holding src/, compiler/, runtime/; dist/ when running compiled code).
const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const internal = ['src', 'compiler', 'runtime'].map((d) => root + sep + d + sep);

function frameFile(line: string): { file: string; pos: string } | null {
  const m = /\(?((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)\)?\s*$/.exec(line.trim());
  if (!m) return null;
  let file = m[1];
  if (file.startsWith('file://')) file = fileURLToPath(file);
  return { file, pos: `${m[2]}:${m[3]}` };
}

/** `file:line:col` of the innermost caller in user code (relative to the working directory), or null. */
export function userLocation(): string | null {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  for (const line of stack.split('\n').slice(1)) {
    const f = frameFile(line);
    if (!f || f.file.startsWith('node:') || f.file.includes(`${sep}node_modules${sep}`)) continue;
    if (internal.some((d) => f.file.startsWith(d))) continue;
    const rel = relative(process.cwd(), f.file);
    return `${rel.startsWith('..') ? f.file : rel}:${f.pos}`;
  }
  return null;
}
