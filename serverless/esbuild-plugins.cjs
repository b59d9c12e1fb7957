// esbuild plugins for the production bundles (serverless.yml's custom.esbuild.plugins, and
// bench/bundles.ts). CommonJS because serverless-esbuild require()s this file.
const fs = require('node:fs');

const NAMED_Z_IMPORT = /^\s*import\s*\{[^}]*\bz\b[^}]*\}\s*from\s*['"]zod(?:\/v4)?['"]/m;

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
      const match = NAMED_Z_IMPORT.exec(source);
      if (!match) return { contents: source, loader: 'ts' };
      const line = source.slice(0, match.index + match[0].search(/\S/)).split('\n').length;
      return {
        errors: [
          {
            text: "import zod as a namespace: `import * as z from 'zod'` (`import { z }` keeps all of zod, ~360 KiB more per bundle)",
            location: { file: args.path, line, column: 0, lineText: source.split('\n')[line - 1] },
          },
        ],
      };
    });
  },
};

module.exports = [zodNamespaceImport];
