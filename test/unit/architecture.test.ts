import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';

/**
 * The pure core stays pure: `shared/domain/**` and `events/**` import nothing that does I/O (AWS
 * SDK, file system, processes, network), read no `process.env`, and import inward only (never an
 * adapter, a port, a handler or the CLI). Biome's `noRestrictedImports` covers most imports while
 * editing; this test also sees `process.env`, dynamic `import()`, `require()` and re-exports.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PURE_DIRS = ['shared/domain', 'events'];

/** Modules the pure core must not import, by exact name or by prefix (ending in `/`). */
const FORBIDDEN = [
  '@aws-sdk/',
  '@aws-lambda-powertools/',
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node:child_process',
  'child_process',
  'node:net',
  'net',
  'node:http',
  'http',
  'node:https',
  'https',
  'node:http2',
  'http2',
  'node:dgram',
  'dgram',
  'node:tls',
  'tls',
];

function isForbidden(specifier: string): boolean {
  return FORBIDDEN.some((name) => (name.endsWith('/') ? specifier.startsWith(name) : specifier === name));
}

/** Every `.ts` file under the pure folders, relative to the repository root. */
function pureFiles(): string[] {
  return PURE_DIRS.flatMap((dir) =>
    (readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .map((file) => path.join(dir, file)),
  ).sort();
}

/** What is impure in one source file: `line: what`. `file` is relative to the root, for resolving imports. */
function violationsOf(source: string, file: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) =>
    found.push(`${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: ${what}`);
  const checkSpecifier = (node: ts.Node, specifier: string) => {
    if (isForbidden(specifier)) report(node, `imports ${specifier}`);
    if (specifier.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      if (!PURE_DIRS.some((dir) => target.startsWith(`${dir}/`)))
        report(node, `imports ${target}, outside the pure core`);
    }
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteral(node.moduleSpecifier)) checkSpecifier(node, node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node)) {
      const [first] = node.arguments;
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((dynamic || required) && first && ts.isStringLiteralLike(first)) checkSpecifier(node, first.text);
    } else if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const name = ts.isPropertyAccessExpression(node)
        ? node.name.text
        : ts.isStringLiteralLike(node.argumentExpression)
          ? node.argumentExpression.text
          : undefined;
      const target = node.expression;
      const isProcess =
        (ts.isIdentifier(target) && target.text === 'process') ||
        (ts.isPropertyAccessExpression(target) && target.name.text === 'process');
      if (isProcess && name === 'env') report(node, 'reads process.env');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('the pure core (shared/domain, events)', () => {
  const files = pureFiles();

  it('is where the scan looks', () => {
    // Assess: an empty scan would pass anything
    expect(files).toEqual(expect.arrayContaining(['shared/domain/run.ts', 'events/pipeline-events.ts']));
  });

  it('imports no AWS SDK, file system, process or network module, reads no process.env, and imports inward only', () => {
    // Act
    const violations = files.flatMap((file) =>
      violationsOf(readFileSync(path.join(ROOT, file), 'utf8'), file).map((v) => `${file}:${v}`),
    );

    // Assess
    expect(violations).toEqual([]);
  });

  it('catches each kind of violation (the scan bites)', () => {
    // Prepare
    const source = [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { readFile } from 'node:fs/promises';",
      "import type { Logger } from '@aws-lambda-powertools/logger';",
      "export { spawn } from 'node:child_process';",
      "import * as net from 'net';",
      "import type { RunStore } from '../ports/run-store.ts';",
      "import { ok } from './duration.ts';",
      "import { z } from 'zod';",
      "const http = await import('node:http');",
      "const https = require('https');",
      'const table = process.env.TABLE_NAME;',
      "const region = globalThis.process['env'].AWS_REGION;",
      '// process.env in a comment is fine, and so is a string: "node:fs"',
    ].join('\n');

    // Act
    const violations = violationsOf(source, 'shared/domain/example.ts');

    // Assess
    expect(violations).toEqual([
      '1: imports @aws-sdk/client-dynamodb',
      '2: imports node:fs/promises',
      '3: imports @aws-lambda-powertools/logger',
      '4: imports node:child_process',
      '5: imports net',
      '6: imports shared/ports/run-store.ts, outside the pure core',
      '9: imports node:http',
      '10: imports https',
      '11: reads process.env',
      '12: reads process.env',
    ]);
  });
});

/** The relative imports of one file that land in `folders` (`line: target`). */
function importsInto(source: string, file: string, folders: readonly string[]): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const specifier =
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
        ? node.moduleSpecifier.text
        : ts.isCallExpression(node) &&
            node.expression.kind === ts.SyntaxKind.ImportKeyword &&
            node.arguments[0] &&
            ts.isStringLiteralLike(node.arguments[0])
          ? node.arguments[0].text
          : undefined;
    if (specifier?.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      if (folders.some((folder) => target.startsWith(`${folder}/`))) {
        found.push(`${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}: imports ${target}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('the shared code (shared/**)', () => {
  const files = (readdirSync(path.join(ROOT, 'shared'), { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join('shared', file))
    .sort();

  it('never imports a handler or the command line: imports point inward', () => {
    // Act
    const violations = files.flatMap((file) =>
      importsInto(readFileSync(path.join(ROOT, file), 'utf8'), file, ['functions', 'cli']).map(
        (v) => `${file}:${v}`,
      ),
    );

    // Assess
    expect(files.length).toBeGreaterThan(100);
    expect(violations).toEqual([]);
  });

  it('sees an outward import when there is one (the scan bites)', () => {
    const source =
      "import type { Logger } from '../../functions/handler-deps.ts';\nconst m = await import('../../cli/main.ts');\nimport { x } from '../ports/clock.ts';";

    expect(importsInto(source, 'shared/local/example.ts', ['functions', 'cli'])).toEqual([
      '1: imports functions/handler-deps.ts',
      '2: imports cli/main.ts',
    ]);
  });
});
