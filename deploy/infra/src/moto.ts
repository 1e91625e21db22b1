import { startMoto as startMotoServer } from '@dealership/actions/moto';
import { runTool, type ToolRun } from './tools.js';

export interface Moto {
  endpoint: string;
  /** The environment that points the aws CLI (and the pipeline scripts) at this server. */
  env: NodeJS.ProcessEnv;
  aws(...args: string[]): ToolRun;
  stop(): Promise<void>;
}

/**
 * The actions' moto harness (`python3 -m moto.server` on a free loopback port), with the environment
 * the aws CLI and the pipeline scripts need on top of the one a built action gets.
 */
export async function startMoto(): Promise<Moto> {
  const server = await startMotoServer();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...server.env,
    AWS_SESSION_TOKEN: 'testing',
    AWS_DEFAULT_REGION: server.env.AWS_REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
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
