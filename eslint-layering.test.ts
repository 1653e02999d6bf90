import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// Proves that lint, not goodwill, enforces the layering table: each case is a file placed in a
// layer with an import that layer may not make.
const eslint = new ESLint({ cwd: import.meta.dirname });

async function ruleIds(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('layering rules', () => {
  const violations: Array<[string, string, string]> = [
    ['src-shared/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", 'no-restricted-imports'],
    ['src-shared/x.ts', "import { z } from '../src-main/errors.js';\nexport const a = z;\n", 'no-restricted-imports'],
    ['src-main/keys/x.ts', "import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
    ['src-main/web/x.ts', "import { App } from '../../src-renderer/App';\nexport const a = App;\n", 'no-restricted-imports'],
    ['src-preload/x.ts', "import { readFileSync } from 'fs';\nexport const a = readFileSync;\n", 'no-restricted-imports'],
    ['src-renderer/screens/x.ts', "import { join } from 'node:path';\nexport const a = join;\n", 'no-restricted-imports'],
    ['src-renderer/screens/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n", 'no-restricted-imports'],
    ['src-renderer/screens/x.ts', "import { createCore } from '../../src-main/app/core';\nexport const a = createCore;\n", 'no-restricted-imports'],
    ['src-renderer/screens/x.ts', 'export const a = window.custos;\n', 'no-restricted-syntax'],
  ];

  it.each(violations)('refuses %s importing across its layer (%#)', async (file, code, rule) => {
    expect(await ruleIds(file, code)).toContain(rule);
  });

  it('allows what each layer may import', async () => {
    expect(await ruleIds('src-shared/x.ts', "import { z } from 'zod';\nexport const a = z;\n")).toEqual([]);
    expect(await ruleIds('src-main/electron/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toEqual([]);
    expect(await ruleIds('src-main/keys/x.ts', "import { randomBytes } from 'node:crypto';\nexport const a = randomBytes;\n")).toEqual([]);
    expect(await ruleIds('src-renderer/api/x.ts', 'export const a = window.custos;\n')).toEqual([]);
  });
});
