// esbuild plugins for the production bundles (serverless.yml's custom.esbuild.plugins, and
// bench/bundles.ts). CommonJS because serverless-esbuild require()s this file.
const fs = require('node:fs');
const path = require('node:path');
const { isBuiltin } = require('node:module');

const NAMED_Z_IMPORT = /^\s*import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*['"]zod(?:\/v4)?['"]/m;
// A value import of zod/mini anywhere but events/zod-mini.ts (which configures its messages).
const DIRECT_MINI_IMPORT = /^\s*(?:import|export)\s+(?!type\b)[^;]*?from\s*['"]zod\/(?:v4\/|v4-)?mini['"]/m;
const ZOD_MINI_MODULE = path.join('events', 'zod-mini.ts');

function zodImportProblem(file, source) {
  const named = NAMED_Z_IMPORT.exec(source);
  if (named) {
    return {
      index: named.index + named[0].search(/\S/),
      text: "import zod as a namespace: `import * as z from 'zod'` (`import { z }` keeps all of zod, ~360 KiB more per bundle)",
    };
  }
  const mini = file.endsWith(ZOD_MINI_MODULE) ? null : DIRECT_MINI_IMPORT.exec(source);
  if (mini) {
    return {
      index: mini.index + mini[0].search(/\S/),
      text: 'import zod/mini from events/zod-mini.ts, which configures zod\'s English messages (zod/mini alone says only "Invalid input")',
    };
  }
  return null;
}

/**
 * zod 4's `import { z } from 'zod'` binds a namespace object that esbuild must keep whole — every
 * locale and the JSON-schema code: a 40-byte schema bundles to 443 KiB — while
 * `import * as z from 'zod'` lets it keep only what is used (83 KiB). The two are the same API.
 * Our sources use the second form; this plugin fails the build, naming the file, when one does
 * not, so that the bundles cannot silently grow back (docs/aws.md, "Bundle size and load time").
 */
const zodNamespaceImport = {
  name: 'zod-namespace-import',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes('node_modules')) return undefined;
      const source = await fs.promises.readFile(args.path, 'utf8');
      const problem = zodImportProblem(args.path, source);
      if (!problem) return { contents: source, loader: 'ts' };
      const line = source.slice(0, problem.index).split('\n').length;
      return {
        errors: [
          {
            text: problem.text,
            location: { file: args.path, line, column: 0, lineText: source.split('\n')[line - 1] },
          },
        ],
      };
    });
  },
};

/**
 * The SDK's default credential chain (`@aws-sdk/credential-provider-node`: environment, SSO, INI
 * files, credential processes, web identity, container and instance metadata, and the nested SSO,
 * STS and sign-in clients they use) is replaced in the bundles by
 * shared/aws/lambda/lambda-credentials.ts: the environment, as Lambda sets it, then a container
 * credentials endpoint. On Node 22 the chain's code alone is ~45 % of a bundle's load time.
 */
const LAMBDA_CREDENTIALS = path.join(__dirname, '..', 'shared', 'aws', 'lambda', 'lambda-credentials.ts');
const lambdaCredentials = {
  name: 'lambda-credentials',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({ path: LAMBDA_CREDENTIALS }));
  },
};

/**
 * Node built-ins are taken with `require()` (the banner makes one) rather than `import`. An ES
 * module that imports a built-in gets a namespace of *all* its exports, so Node reads every lazy
 * getter on it: on Node 22 `import 'node:http'` loads undici for `http.WebSocket` (~40 ms) and
 * `import 'node:crypto'` builds WebCrypto for `crypto.subtle` (~9 ms), where `require()` costs
 * 6 ms and 0.1 ms. Each built-in becomes a small module that re-exports what `require()` returns,
 * by name — except the getters below, whose first read loads a whole subsystem none of our code
 * uses: importing one of them fails the build, naming it, rather than paying for it silently.
 * The names are read from the Node that builds the bundle: one that Lambda's Node lacks is
 * undefined there, and one only Lambda's Node has fails the build if imported — never silent.
 */
const COSTLY_GETTERS = new Set([
  'http.WebSocket',
  'http.CloseEvent',
  'http.MessageEvent',
  'crypto.subtle',
  'crypto.webcrypto',
  'process.stdin',
  'process.stdout',
  'process.stderr',
  'process.report',
  'process.allowedNodeEnvironmentFlags',
  'tls.rootCertificates',
]);
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_][a-z_0-9/]*$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // require() calls (ours below, and CommonJS packages') stay calls of the banner's require.
      if (args.kind === 'require-call') return { path: args.path, external: true };
      return { path: args.path.replace(/^node:/, ''), namespace: 'node-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => {
      const id = `node:${args.path}`;
      const names = Object.keys(require(id)).filter(
        (key) =>
          key !== 'default' && /^[A-Za-z_$][\w$]*$/.test(key) && !COSTLY_GETTERS.has(`${args.path}.${key}`),
      );
      return {
        contents: `const m = require(${JSON.stringify(id)});\nexport default m;\nexport const { ${names.join(', ')} } = m;\n`,
        loader: 'js',
        resolveDir: __dirname,
      };
    });
  },
};

module.exports = [zodNamespaceImport, lambdaCredentials, builtinsByRequire];
