import { CodeDeployClient, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type MotoServer, startMoto } from '@dealership/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeDeploySim, type DeploymentScenario, serveSimulation } from '../../sim/index.js';
import { makeRevisionFolder } from '../../test-support/revision.js';
import { runBuiltAction, startBuiltAction } from '../../test-support/run-action.js';

// The built bundle as a real process: S3 from moto, CodeDeploy from the simulation over HTTP, real time.

let moto: MotoServer;
const BUCKET = 'dealership-e2e-revisions';

beforeAll(async () => {
  moto = await startMoto();
  await new S3Client({ ...moto.clientConfig, forcePathStyle: true }).send(
    new CreateBucketCommand({ Bucket: BUCKET }),
  );
});
afterAll(async () => moto?.stop());

async function simulate(scenario: DeploymentScenario) {
  const sim = new CodeDeploySim(() => Date.now()).script(scenario);
  const server = await serveSimulation({ codeDeploy: sim });
  const env = { ...moto.env, AWS_ENDPOINT_URL_CODEDEPLOY: server.endpoint };
  return { sim, server, env };
}

const inputs = (dir: string) => ({
  application: 'dealership',
  'deployment-group': 'dealership-web',
  bundle: dir,
  's3-bucket': BUCKET,
  'poll-seconds': '1',
});

describe('the built codedeploy-deploy action', () => {
  it('deploys a bundle end to end and sets its outputs and job summary', async () => {
    const { server, env } = await simulate({ queueSeconds: 0.2, eventSeconds: 0.1 });
    try {
      const run = await runBuiltAction('codedeploy-deploy', { inputs: inputs(makeRevisionFolder()), env });
      expect(run.code, run.stdout).toBe(0);
      expect(run.outputs).toMatchObject({ 'deployment-id': 'd-SIM000001', status: 'Succeeded' });
      expect(run.outputs.revision).toMatch(new RegExp(`^s3://${BUCKET}/dealership/[0-9a-f]{64}\\.zip$`));
      expect(run.summary).toContain('### CodeDeploy deployment');
      expect(run.summary).toMatch(/\| i-0aaa1111 \| Succeeded \| AfterAllowTraffic Succeeded \|/);
    } finally {
      await server.close();
    }
  });

  it('stops the deployment with rollback when the runner sends SIGINT, and still sets its outputs', async () => {
    const { sim, server, env } = await simulate({ queueSeconds: 0.2, eventSeconds: 5 });
    try {
      const { child, result } = startBuiltAction('codedeploy-deploy', {
        inputs: inputs(makeRevisionFolder()),
        env,
      });
      while (sim.ledger.count('BatchGetDeploymentTargets') === 0) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGINT');
      const run = await result;
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        'stopped deployment d-SIM000001 (StopDeployment with autoRollbackEnabled)',
      );
      expect(run.outputs).toMatchObject({ 'deployment-id': 'd-SIM000001', status: 'Stopped' });
      // What CodeDeploy now holds: the deployment stopped, and a rollback deployment started for it.
      const codeDeploy = new CodeDeployClient({ ...moto.clientConfig, endpoint: server.endpoint });
      const { deploymentInfo } = await codeDeploy.send(
        new GetDeploymentCommand({ deploymentId: 'd-SIM000001' }),
      );
      codeDeploy.destroy();
      expect(deploymentInfo?.status).toBe('Stopped');
      expect(deploymentInfo?.rollbackInfo?.rollbackDeploymentId).toMatch(/^d-SIM/);
    } finally {
      await server.close();
    }
  });
});
