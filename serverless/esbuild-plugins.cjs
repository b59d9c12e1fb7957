// esbuild plugins for the production bundles (serverless.yml's custom.esbuild.plugins, and
// bench/bundles.ts). CommonJS because serverless-esbuild require()s this file.
const fs = require('node:fs');

/**
 * zod 4's `import { z } from 'zod'` binds a namespace object that esbuild must keep whole — every
 * locale and the JSON-schema code, ~440 KiB minified — while `import * as z from 'zod'` lets it
 * keep only what is used (~80 KiB). The two are the same API, so our sources' imports are
 * rewritten to the second form at bundle time. (Writing them that way in the sources would make
 * this plugin unnecessary.)
 */
const zodNamespaceImport = {
  name: 'zod-namespace-import',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes('node_modules')) return undefined;
      const source = await fs.promises.readFile(args.path, 'utf8');
      const contents = source.replace(/import \{ z \} from 'zod';/g, "import * as z from 'zod';");
      return { contents, loader: 'ts' };
    });
  },
};

module.exports = [zodNamespaceImport];
