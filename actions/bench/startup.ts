import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { AutoScalingSim, CodeDeploySim, serveSimulation } from '../sim/index.js';
import { inputVariable } from '../test-support/inputs.js';
import { ACTIONS_DIR } from '../test-support/run-action.js';

/** How a process is started: the built action with its inputs, or the floor (bare node making one request). */
export interface Subject {
  name: string;
  args: (endpoint: string) => string[];
  inputs: Record<string, string>;
}

export const SUBJECTS: Subject[] = [
  {
    name: 'instance-refresh',
    args: () => [join(ACTIONS_DIR, 'instance-refresh', 'dist', 'index.mjs')],
    inputs: {
      'auto-scaling-group': 'dealership-web',
      'launch-template': 'dealership',
      'launch-template-version': '7',
    },
  },
  {
    name: 'codedeploy-deploy',
    args: () => [join(ACTIONS_DIR, 'codedeploy-deploy', 'dist', 'index.mjs')],
    inputs: {
      application: 'dealership',
      'deployment-group': 'dealership-web',
      revision: 's3://dealership-revisions/dealership/0000.zip',
    },
  },
  {
    name: 'baseline: bare node, one fetch',
    args: (endpoint) => [
      '-e',
      `fetch(${JSON.stringify(endpoint)}, { method: 'POST', body: 'Action=Ping' }).catch(() => {})`,
    ],
    inputs: {},
  },
];

/** Milliseconds from spawning the process to its first request reaching the local endpoint. */
export async function timeToFirstCall(subject: Subject): Promise<number> {
  const server = await serveSimulation({
    autoScaling: new AutoScalingSim(() => Date.now()),
    codeDeploy: new CodeDeploySim(() => Date.now()),
  });
  try {
    const env = {
      PATH: process.env.PATH ?? '',
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIDBENCH',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_REGION: 'eu-west-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...Object.fromEntries(Object.entries(subject.inputs).map(([k, v]) => [inputVariable(k), v])),
    };
    const started = performance.now();
    const child = spawn(process.execPath, subject.args(server.endpoint), {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit');
    while (server.arrivals.length === 0 && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const first = server.arrivals[0];
    child.kill('SIGKILL');
    await exited;
    if (first === undefined) throw new Error(`${subject.name} exited before calling AWS: ${stderr}`);
    return first - started;
  } finally {
    await server.close();
  }
}
