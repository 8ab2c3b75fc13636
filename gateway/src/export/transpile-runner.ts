import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { relativeImports } from './module-imports.js';

/**
 * The runner's modules for a gateway that runs from its TypeScript sources (tsx: development
 * and tests), whose dist/ may be missing or older than they are: each module the entries reach
 * is transpiled from `sourceDir` into `outDir` as tsx does it, one file at a time with
 * TypeScript's `transpileModule` (a development dependency, there when the sources are).
 */
export async function transpileRunner(
  sourceDir: string,
  outDir: string,
  entries: string[],
): Promise<void> {
  const ts = (await import('typescript')).default;
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    esModuleInterop: true,
  };
  const done = new Set<string>();
  const stack = [...entries];
  while (stack.length > 0) {
    const module = stack.pop()!;
    if (done.has(module)) continue;
    done.add(module);
    const target = join(outDir, module);
    await mkdir(dirname(target), { recursive: true });
    const source = join(sourceDir, module.replace(/\.js$/, '.ts'));
    if (!existsSync(source)) {
      // A plain JavaScript module of the sources, or none (runner-files says which is missing).
      if (existsSync(join(sourceDir, module))) await copyFile(join(sourceDir, module), target);
      continue;
    }
    const js = ts.transpileModule(await readFile(source, 'utf8'), {
      compilerOptions: options,
      fileName: source,
    }).outputText;
    await writeFile(target, js);
    for (const specifier of relativeImports(js))
      stack.push(relative(outDir, resolve(dirname(target), specifier)));
  }
}
