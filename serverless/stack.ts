import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { loadPipelineFile } from '../shared/domain/pipeline-file.ts';
import { environmentOf, type StackOptions } from './environment.ts';
import { DEPLOYED_NAMES, deployed, lambdaName, logicalStem } from './functions.ts';
import { stackResources } from './resources.ts';

/**
 * Everything serverless.yml takes from code (through serverless/stack.cjs): the functions, the
 * generated resources, and the pipeline file as JSON for the bundles. The pipeline
 * file is validated here, so a bad pushline.yml fails `npm run package`, not a handler at 3 a.m.
 */
export function stack({
  stage,
  service,
  pipelineFileText,
  options = {},
}: {
  stage: string;
  service: string;
  pipelineFileText: string;
  options?: StackOptions;
}) {
  const file = loadPipelineFile(pipelineFileText);
  // On AWS every pipeline builds on CodeBuild: say so now, not when the first push arrives.
  const unbuilt = file.pipelines.flatMap((p, i) =>
    p.build.codebuild ? [] : [`pipelines[${i}] (${p.name})`],
  );
  if (unbuilt.length > 0) {
    throw new Error(
      `pushline.yml: ${unbuilt.join(', ')}: build.codebuild.project is required to deploy to AWS (the CodeBuild project that builds the commit)`,
    );
  }
  const names = { service, stage };
  const functions = Object.fromEntries(
    DEPLOYED_NAMES.map((name) => {
      const fn = deployed(name);
      const stem = logicalStem(name);
      const { trigger } = fn;
      const environment = environmentOf(name, names, options);
      return [
        stem[0]!.toLowerCase() + stem.slice(1),
        {
          handler: `functions/${fn.dir}/handler.handler`,
          name: lambdaName(name, names),
          role: `${stem}Role`,
          timeout: fn.timeoutSeconds,
          memorySize: fn.memoryMb,
          ...(fn.reservedConcurrency ? { reservedConcurrency: fn.reservedConcurrency } : {}),
          ...(Object.keys(environment).length > 0 ? { environment } : {}),
          // Rules and schedules are generated resources (resources.ts), not serverless events.
          events:
            trigger.kind === 'http'
              ? trigger.routes.map(({ method, path }) => ({ httpApi: { method, path } }))
              : [],
        },
      ];
    }),
  );
  // Bundled into each function (esbuild `define`), not set as an environment variable: a
  // pipeline file easily outgrows the 4 KB a Lambda environment holds.
  const pipelinesJson = JSON.stringify(parse(pipelineFileText, { merge: true }));
  const define: Record<string, string> = { 'process.env.PUSHLINE_PIPELINES': JSON.stringify(pipelinesJson) };
  // The same file as validated here, defaults applied, so that a cold start only has to
  // JSON.parse it instead of building and running the pipeline-file schema (~20 % of a
  // function's load time: docs/aws.md). Only when JSON carries it exactly; otherwise the
  // function validates PUSHLINE_PIPELINES itself (shared/aws/lambda/lambda-env.ts).
  const validatedJson = JSON.stringify(file);
  if (isDeepStrictEqual(JSON.parse(validatedJson), file)) {
    define.PUSHLINE_PACKAGED_PIPELINE_FILE = JSON.stringify(validatedJson);
  }
  return { functions, resources: stackResources(file, names), pipelinesJson, define };
}
