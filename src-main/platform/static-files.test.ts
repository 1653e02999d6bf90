import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentTypeFor, findStaticFile, relativePathFor, resolveInside } from './static-files.js';

let dir: string;
let root: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'custos-static-'));
  root = join(dir, 'renderer');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), 'x');
  await writeFile(join(root, 'assets', 'a b.js'), 'x');
  await writeFile(join(dir, 'secret.txt'), 'x');
  await symlink(join(dir, 'secret.txt'), join(root, 'link.txt'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('relativePathFor', () => {
  it('maps / to index.html and decodes segments', () => {
    expect(relativePathFor('/')).toBe('index.html');
    expect(relativePathFor('/assets/a%20b.js')).toBe('assets/a b.js');
  });
  it.each(['', 'x', '/..', '/../x', '/a/../x', '/%2e%2e/x', '/a%2fb', '/a%5cb', '/a\\b', '/a%00', '//x', '/a//b', '/.', '/%', '/C:%5cx', '/c:/x'])('refuses %j', (p) => {
    expect(relativePathFor(p)).toBeNull();
  });
});

describe('resolveInside / findStaticFile', () => {
  it('finds files inside the root', async () => {
    expect(resolveInside(root, '/index.html')).toBe(join(root, 'index.html'));
    expect(await findStaticFile(root, '/')).toBe(join(root, 'index.html'));
    expect(await findStaticFile(root, '/assets/a%20b.js')).toBe(join(root, 'assets', 'a b.js'));
  });
  it('refuses directories, missing files and links leading out', async () => {
    expect(await findStaticFile(root, '/assets')).toBeNull();
    expect(await findStaticFile(root, '/missing.js')).toBeNull();
    expect(await findStaticFile(root, '/link.txt')).toBeNull();
    expect(await findStaticFile(root, '/../secret.txt')).toBeNull();
  });
});

describe('contentTypeFor', () => {
  it('knows the renderer build outputs', () => {
    expect(contentTypeFor('a.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('a.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('a.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('a.woff2')).toBe('font/woff2');
    expect(contentTypeFor('a.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('a.bin')).toBe('application/octet-stream');
  });
});
