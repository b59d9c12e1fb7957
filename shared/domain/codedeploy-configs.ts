/**
 * The deployment configurations CodeDeploy predefines, per compute platform (the `CodeDeployDefault.*`
 * names of the CodeDeploy User Guide, "Working with deployment configurations"). A name outside
 * the `CodeDeployDefault.` prefix is a custom configuration the account created, and is not checked.
 */
export const CODEDEPLOY_DEFAULT_CONFIGS = {
  ECS: [
    'CodeDeployDefault.ECSAllAtOnce',
    'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
    'CodeDeployDefault.ECSLinear10PercentEvery3Minutes',
    'CodeDeployDefault.ECSCanary10Percent5Minutes',
    'CodeDeployDefault.ECSCanary10Percent15Minutes',
  ],
  Lambda: [
    'CodeDeployDefault.LambdaAllAtOnce',
    'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    'CodeDeployDefault.LambdaCanary10Percent10Minutes',
    'CodeDeployDefault.LambdaCanary10Percent15Minutes',
    'CodeDeployDefault.LambdaCanary10Percent30Minutes',
    'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
    'CodeDeployDefault.LambdaLinear10PercentEvery2Minutes',
    'CodeDeployDefault.LambdaLinear10PercentEvery3Minutes',
    'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes',
  ],
  Server: ['CodeDeployDefault.AllAtOnce', 'CodeDeployDefault.HalfAtATime', 'CodeDeployDefault.OneAtATime'],
} as const satisfies Record<string, readonly string[]>;

export type CodeDeployPlatform = keyof typeof CODEDEPLOY_DEFAULT_CONFIGS;

const PREFIX = 'CodeDeployDefault.';

/** The platform a predefined configuration belongs to, or `undefined` for a name CodeDeploy does not predefine. */
export function platformOfDefaultConfig(name: string): CodeDeployPlatform | undefined {
  return (Object.keys(CODEDEPLOY_DEFAULT_CONFIGS) as CodeDeployPlatform[]).find((platform) =>
    (CODEDEPLOY_DEFAULT_CONFIGS[platform] as readonly string[]).includes(name),
  );
}

/**
 * Why `name` cannot deploy to `platform`, or `undefined` when it can: a `CodeDeployDefault.*` name
 * must exist and belong to the target's platform; any other name is a custom configuration.
 */
export function deploymentConfigProblem(name: string, platform: CodeDeployPlatform): string | undefined {
  if (!name.startsWith(PREFIX)) return undefined;
  const owner = platformOfDefaultConfig(name);
  if (owner === platform) return undefined;
  const choices = CODEDEPLOY_DEFAULT_CONFIGS[platform].join(', ');
  return owner
    ? `${name} is ${article(owner)} configuration; ${article(platform)} target takes one of ${choices}, or a custom configuration`
    : `${name} is not a configuration CodeDeploy predefines; for ${platform} use one of ${choices}, or a custom configuration`;
}

function article(platform: CodeDeployPlatform): string {
  return `${platform === 'ECS' ? 'an' : 'a'} ${platform}`;
}
