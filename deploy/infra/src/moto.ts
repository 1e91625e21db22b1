import { startMoto as startMotoServer } from '@dealership/test-kit';
import { runTool, type ToolRun } from './tools.js';

export interface Moto {
  endpoint: string;
  /** The environment that points the aws CLI (and the pipeline scripts) at this server. */
  env: NodeJS.ProcessEnv;
  aws(...args: string[]): ToolRun;
  stop(): Promise<void>;
}

/**
 * The repository's one moto launcher (@dealership/test-kit), with a session token for the pipeline
 * scripts and an `aws` that runs the CLI against it.
 */
export async function startMoto(): Promise<Moto> {
  const server = await startMotoServer();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...server.env,
    AWS_SESSION_TOKEN: 'testing',
  };
  return {
    endpoint: server.endpoint,
    env,
    aws: (...args) => {
      const run = runTool('aws', [...args, '--output', 'json'], { env });
      if (run.status !== 0) throw new Error(`aws ${args.join(' ')} failed: ${run.stderr}`);
      return run;
    },
    stop: server.stop,
  };
}
