// Links an artifact's shared library with the system compiler (a subprocess): the generated wrapper, the object
// LLVM emitted for the plans' kernels and the artifact runtime archive (native/rt + native/aot, built with the
// addon into build/Release). Only <name>_* is exported (a version script); the runtime's own symbols stay
// inside (--exclude-libs, -Bsymbolic), so the library can be loaded into a process that has the addon too.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompileError } from '../../src/core/errors.js';

/** Where the artifact runtime's archive and header are. */
export interface RuntimeFiles {
  readonly archive: string;
  readonly includeDir: string;
}

function findUp(start: string, relative: string): string | null {
  let dir = start;
  for (let i = 0; i < 7; i++, dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** The runtime archive next to the loaded addon (KILN_ADDON's directory, else build/Release) and the C header. */
export function runtimeFiles(): RuntimeFiles {
  const here = dirname(fileURLToPath(import.meta.url));
  const addon = process.env.KILN_ADDON;
  const archive = addon ? join(dirname(addon), 'libkiln_artifact_rt.a')
    : findUp(here, join('build', 'Release', 'libkiln_artifact_rt.a'));
  if (!archive || !existsSync(archive))
    throw new CompileError(`compileModel: the artifact runtime ${archive ?? 'build/Release/libkiln_artifact_rt.a'} ` +
      'was not found; run `npm run build:native`');
  const header = findUp(here, join('native', 'aot', 'kiln_aot.h'));
  if (!header) throw new CompileError('compileModel: native/aot/kiln_aot.h was not found');
  return { archive, includeDir: dirname(header) };
}

function run(tool: string, args: readonly string[], what: string): string {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new CompileError(`compileModel: ${what} failed (${tool} ${args.join(' ')}): ${err.stderr || err.message}`);
  }
}

/** Compiles `wrapper` (C) and links it with `kernelsObject` into `out`, exporting only `${name}_*`. */
export function linkLibrary(name: string, wrapper: string, kernelsObject: string, headerDir: string, out: string,
                            workDir: string): void {
  const { archive, includeDir } = runtimeFiles();
  const wrapperObject = join(workDir, 'wrapper.o');
  const cc = process.env.CC ?? 'cc';
  const cxx = process.env.CXX ?? 'g++';
  run(cc, ['-std=c11', '-O2', '-fPIC', '-Wall', '-Werror', '-I', includeDir, '-I', headerDir, '-c', wrapper, '-o',
    wrapperObject], 'compiling the wrapper');
  const versionScript = join(workDir, 'exports.map');
  writeFileSync(versionScript, `{\n  global: ${name}_*;\n  local: *;\n};\n`);
  run(cxx, ['-shared', '-o', out, wrapperObject, kernelsObject, '-Wl,--whole-archive', archive,
    '-Wl,--no-whole-archive', '-fopenmp', '-ldnnl', '-lm', `-Wl,-soname,lib${name}.so`, '-Wl,--exclude-libs,ALL',
    '-Wl,-Bsymbolic', `-Wl,--version-script,${versionScript}`, '-Wl,--as-needed', '-Wl,-z,now'], 'linking the library');
}

/** The shared libraries `lib` needs at run time (its DT_NEEDED entries, in order). */
export function neededLibraries(lib: string): string[] {
  const dynamic = run('readelf', ['-d', lib], 'reading the library\'s dynamic section');
  return [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}
