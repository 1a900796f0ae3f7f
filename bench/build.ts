import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const repoRoot = path.resolve(import.meta.dirname, '..');

/**
 * Armory compiled as the Dockerfile ships it: `<dir>/dist/` beside `<dir>/package.json` and
 * `<dir>/node_modules`, so that a role runs as `node dist/api/main.js` does in production.
 */
export interface CompiledArmory {
  /** The compiled entry point of a role, such as `api/main.js` (paths are relative to src/). */
  script: (entry: string) => string;
  /** Deletes the build. Safe to call more than once. */
  remove: () => void;
}

/**
 * Compiles src/ with tsconfig.build.json into a fresh temporary directory. Never into the repo's
 * dist/: another checkout, or a `npm start` from dist/, may be using it.
 */
export async function buildArmory(): Promise<CompiledArmory> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'armory-bench-build-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    // --noCheck: the emitted JavaScript does not depend on type checking (isolatedModules), which
    // `npm run typecheck` does anyway; skipping it saves about 10 s per run.
    await promisify(execFile)(
      'npx',
      ['--no-install', 'tsc', '-p', 'tsconfig.build.json', '--outDir', path.join(dir, 'dist'), '--noCheck'],
      { cwd: repoRoot },
    );
    // package.json says the .js files are ES modules ("type": "module"); node_modules is where Node
    // looks for bare imports, walking up from the compiled file.
    copyFileSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
    symlinkSync(realpathSync(path.join(repoRoot, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  } catch (error) {
    remove();
    throw error;
  }
  // tsconfig.build.json's rootDir is src/, so src/api/main.ts comes out as dist/api/main.js.
  return { script: (entry) => path.join(dir, 'dist', entry), remove };
}
