import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const repoRoot = path.resolve(import.meta.dirname, '..');

/**
 * The NODE_OPTIONS the Dockerfile runs Armory with (its heap limit): the bench runs the compiled
 * roles with the same, as production does.
 */
export function productionNodeOptions(): string {
  const dockerfile = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
  const options = /^ENV NODE_OPTIONS=(.+)$/m.exec(dockerfile)?.[1];
  if (options === undefined) throw new Error('the Dockerfile sets no NODE_OPTIONS');
  return options;
}

/**
 * Armory compiled as the Dockerfile ships it: `<dir>/dist/` beside `<dir>/package.json` and
 * `<dir>/node_modules`, so that a role runs as `node dist/api/main.js` does in production.
 *
 * The directory is a fresh temporary one, never the repo's dist/: another checkout, or a `npm start`
 * from dist/, may be using that. It exists from the constructor on, so that a run stopped while
 * compiling still removes it.
 */
export class ArmoryBuild {
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'armory-bench-build-'));
  private readonly abort = new AbortController();
  private tsc: Promise<unknown> = Promise.resolve();

  /** Runs tsc on tsconfig.build.json into `<dir>/dist`, and lays out the rest beside it. */
  async compile(): Promise<void> {
    // The repo's own tsc, run by node itself rather than through npx: one process, which remove()
    // can stop. --noCheck: the emitted JavaScript does not depend on type checking
    // (isolatedModules), which `npm run typecheck` does anyway; skipping it saves about 10 s.
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const outDir = path.join(this.dir, 'dist');
    this.tsc = promisify(execFile)(
      process.execPath,
      [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--noCheck'],
      { cwd: repoRoot, signal: this.abort.signal },
    );
    await this.tsc;
    // package.json says the .js files are ES modules ("type": "module"); node_modules is where Node
    // looks for bare imports, walking up from the compiled file.
    copyFileSync(path.join(repoRoot, 'package.json'), path.join(this.dir, 'package.json'));
    symlinkSync(
      realpathSync(path.join(repoRoot, 'node_modules')),
      path.join(this.dir, 'node_modules'),
      'dir',
    );
  }

  /** The compiled entry point of a role: tsconfig.build.json's rootDir is src/, so `api/main.js`. */
  script(entry: string): string {
    return path.join(this.dir, 'dist', entry);
  }

  /**
   * Stops a compile under way and deletes the build. Safe to call more than once. It waits for tsc to
   * exit first: a tsc still writing would create the directory again.
   */
  async remove(): Promise<void> {
    this.abort.abort();
    await this.tsc.catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
