// Lint enforces the layering table of docs/ARCHITECTURE.md: a file that imports across a layer
// boundary fails `npm test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'crypto', 'os', 'child_process', 'http', 'https', 'net', 'tls', 'worker_threads', 'url', 'stream', 'util', 'events', 'buffer'];

const restrict = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.tsbuild/**', 'test-results/**', 'playwright-report/**', 'e2e-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}', 'bin/custos'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: restrict([
      { group: [...nodeBuiltins], message: 'src-shared runs in every layer: no Node modules.' },
      { group: ['electron', 'electron/*'], message: 'src-shared must not import electron.' },
      { group: ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**', 'react', 'react-dom', '@mantine/*'], message: 'src-shared imports only zod and itself.' },
    ]),
  },
  {
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/electron/**'],
    rules: restrict([
      { group: ['electron', 'electron/*'], message: 'Only src-main/electron/ may import electron; the core must run under plain Node.' },
      { group: ['**/src-renderer/**', '**/src-preload/**'], message: 'The core does not import the renderer or the preload.' },
    ]),
  },
  {
    files: ['src-main/electron/**/*.ts'],
    rules: restrict([{ group: ['**/src-renderer/**', '**/src-preload/**'], message: 'The Electron host does not import the renderer.' }]),
  },
  {
    files: ['src-preload/**/*.ts'],
    rules: restrict([
      { group: [...nodeBuiltins], message: 'The sandboxed preload has no Node modules.' },
      { group: ['**/src-main/**', '**/src-renderer/**'], message: 'The preload imports only src-shared and electron.' },
    ]),
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      ...restrict([
        { group: [...nodeBuiltins], message: 'The renderer has no Node modules.' },
        { group: ['electron', 'electron/*'], message: 'The renderer never imports electron; it talks through window.custos.' },
        { group: ['**/src-main/**', '**/src-preload/**'], message: 'The renderer reaches the core only through the contract.' },
      ]),
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='window'][property.name='custos']", message: 'Only src-renderer/**/api/ touches window.custos.' },
        { selector: "MemberExpression[property.name='custos'][object.type='MemberExpression']", message: 'Only src-renderer/**/api/ touches window.custos.' },
      ],
    },
  },
  {
    files: ['src-renderer/**/api/**/*.{ts,tsx}'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['e2e/**/*.ts', 'scripts/**/*.{ts,mjs}', '*.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
);
