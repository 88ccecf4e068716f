// Runs one export of code-cache-fixture.ts in a fresh Node process (the fixture is TypeScript: the child loads it
// through Vite, which vitest runs on) with its own KILN_CACHE_DIR, and returns what it printed, parsed.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Calls `exportName()` of the fixture in a child process run in `dir` with the disk cache `cacheDir`. */
export function runFixtureChild<T>(exportName: string, dir: string, cacheDir: string): T {
  const script = join(dir, 'child.mjs');
  writeFileSync(script, [
    'const [vite, root, fixture, name] = process.argv.slice(2);',
    'const { createServer } = await import(vite);',
    "const server = await createServer({ root, configFile: false, logLevel: 'silent', appType: 'custom',",
    '  server: { middlewareMode: true, hmr: false, ws: false }, optimizeDeps: { noDiscovery: true, include: [] } });',
    'try {',
    '  const fixtureModule = await server.ssrLoadModule(fixture);',
    '  process.stdout.write(JSON.stringify(fixtureModule[name]()));',
    '} finally {',
    '  await server.close();',
    '}',
  ].join('\n'));
  const vite = pathToFileURL(createRequire(import.meta.url).resolve('vite')).href;
  const fixture = fileURLToPath(new URL('./code-cache-fixture.ts', import.meta.url));
  const r = spawnSync(process.execPath, [script, vite, root, fixture, exportName], {
    cwd: dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, KILN_CACHE_DIR: cacheDir },
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}
