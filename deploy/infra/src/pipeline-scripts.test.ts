import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Moto, startMoto } from './moto.js';
import { pipelineScriptsDir } from './repo.js';
import { runTool, runToolAsync } from './tools.js';

const script = (name: string) => join(pipelineScriptsDir, name);

/** Runs a pipeline script as a workflow step would, with its outputs file; returns outputs and errors. */
async function step(name: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-step-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  const run = await runToolAsync(script(name), args, {
    env: { ...env, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile },
  });
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const outputs = Object.fromEntries(
    read(outputFile)
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  return { ...run, outputs, summary: read(summaryFile) };
}

describe('shellcheck over the pipeline scripts', () => {
  it('finds nothing', async () => {
    const files = readdirSync(pipelineScriptsDir)
      .filter((f) => f.endsWith('.sh'))
      .map(script);
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(runTool('shellcheck', ['--severity=style', '--external-sources', ...files]).stdout).toBe('');
  });
});

const SCENE = `
import sys, boto3
name, group = sys.argv[1], sys.argv[2]
ec2, asg, cd = (boto3.client(s) for s in ("ec2", "autoscaling", "codedeploy"))
data = lambda image: {"ImageId": image, "InstanceType": "t3.small"}
lt = ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data("ami-00000000000000001"))
lt_id = lt["LaunchTemplate"]["LaunchTemplateId"]
for image in ("ami-00000000000000002", "ami-00000000000000002"):
    ec2.create_launch_template_version(LaunchTemplateId=lt_id, LaunchTemplateData=data(image))
asg.create_auto_scaling_group(AutoScalingGroupName=group, MinSize=0, MaxSize=2, AvailabilityZones=["us-east-1a"],
    LaunchTemplate={"LaunchTemplateId": lt_id, "Version": "3"})
cd.create_application(applicationName="dealership")
cd.create_deployment_group(applicationName="dealership", deploymentGroupName="production",
    serviceRoleArn="arn:aws:iam::123456789012:role/codedeploy")
print(lt_id)
`;

describe('launch template and rollback targets, against moto', () => {
  let moto: Moto;
  let template: string;
  const group = `dealership-${process.pid}`;

  const env = (extra: Record<string, string>) => ({
    ...moto.env,
    APPLICATION: 'dealership',
    DEPLOYMENT_GROUP: 'production',
    AUTO_SCALING_GROUP: group,
    LAUNCH_TEMPLATE: template,
    ...extra,
  });

  beforeAll(async () => {
    moto = await startMoto();
    // One boto3 process sets the scene (each aws CLI call costs a Python start-up): a launch template
    // with AMI 1, then AMI 2, then AMI 2 again (a re-roll), and a group on version 3; an application.
    const scene = runTool('python3', ['-c', SCENE, `service-${process.pid}`, group], { env: moto.env });
    if (scene.status !== 0) throw new Error(`setting the scene in moto failed: ${scene.stderr}`);
    template = scene.stdout.trim();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('takes the newest version below the live one that runs a different AMI as "previous"', async () => {
    const run = await step('rollback-target.sh', env({ WHAT: 'image', TO: 'previous' }));
    expect(run.stderr).toBe('');
    expect(run.outputs).toEqual({
      revision: '',
      'launch-template-version': '1',
      'current-launch-template-version': '3',
    });
  });

  it('takes a version number that exists, and names the input when it does not', async () => {
    expect(
      (await step('rollback-target.sh', env({ WHAT: 'image', TO: '2' }))).outputs['launch-template-version'],
    ).toBe('2');
    const missing = await step('rollback-target.sh', env({ WHAT: 'image', TO: '99' }));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("input 'to': launch template");
    const word = await step('rollback-target.sh', env({ WHAT: 'image', TO: 'last-week' }));
    expect(word.stderr).toContain("input 'to' is 'last-week'");
  });

  it('reads what is live before a deploy: the group runs version 3, no revision deployed yet', async () => {
    const run = await step('current-state.sh', env({}));
    expect(run.stderr).toBe('');
    expect(run.outputs).toEqual({ revision: '', 'launch-template-version': '3', 'desired-capacity': '0' });
  });

  it('makes a version the default again', async () => {
    const run = await step('set-default-version.sh', env({ LAUNCH_TEMPLATE_VERSION: '1' }));
    expect(run.stderr).toBe('');
    const described = JSON.parse(
      moto.aws('ec2', 'describe-launch-templates', '--launch-template-ids', template).stdout,
    );
    expect(described.LaunchTemplates[0].DefaultVersionNumber).toBe(1);
    expect(
      (await step('set-default-version.sh', env({ LAUNCH_TEMPLATE_VERSION: 'latest' }))).stderr,
    ).toContain("LAUNCH_TEMPLATE_VERSION is 'latest'");
  });

  it('takes an S3 revision for the app, and refuses what it cannot restore', async () => {
    const app = await step(
      'rollback-target.sh',
      env({ WHAT: 'app', TO: 's3://revisions/dealership/abc.zip' }),
    );
    expect(app.outputs.revision).toBe('s3://revisions/dealership/abc.zip');
    expect(app.outputs['launch-template-version']).toBe('');
    expect((await step('rollback-target.sh', env({ WHAT: 'app', TO: '7' }))).stderr).toContain(
      "input 'to' is '7'",
    );
    expect((await step('rollback-target.sh', env({ WHAT: 'both', TO: '7' }))).stderr).toContain(
      'takes previous',
    );
    expect((await step('rollback-target.sh', env({ WHAT: 'all', TO: 'previous' }))).stderr).toContain(
      "input 'what' is 'all'; expected app, image or both",
    );
  });
});

describe('the smoke test', () => {
  let server: Server;
  let url: string;
  let answers: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health/ready') return res.writeHead(200).end('{"status":"ready"}');
      if (req.url === '/version')
        return res.writeHead(200).end(JSON.stringify({ commit: answers.shift() ?? 'none' }));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fast = { SMOKE_ATTEMPTS: '5', SMOKE_INTERVAL_SECONDS: '0', SMOKE_CONSECUTIVE: '3' };

  it('passes once the ALB serves the commit on enough answers in a row', async () => {
    answers = ['old', 'new', 'new', 'new'];
    const run = await step('smoke-test.sh', { ...process.env, ...fast }, [url, 'new']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('smoke 4/5: commit new (3/3 in a row)');
  });

  it('fails, naming the last answer, when an instance keeps serving another commit', async () => {
    answers = ['new', 'old', 'new', 'old', 'new'];
    const run = await step('smoke-test.sh', { ...process.env, ...fast }, [url, 'new']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`smoke test of ${url} failed after 5 attempts; last answer: commit new`);
  });

  it('checks readiness only when no commit is given, and refuses a URL that is not one', async () => {
    expect((await step('smoke-test.sh', { ...process.env, ...fast }, [url])).status).toBe(0);
    const bad = await step('smoke-test.sh', { ...process.env, ...fast }, ['dealership.example.com']);
    expect(bad.stderr).toContain("smoke test URL is 'dealership.example.com'");
  });
});

describe('the job summary', () => {
  it('is a markdown table, with a dash for empty values and pipes escaped', async () => {
    const run = await step('summary.sh', process.env, [
      'Deploy of abc',
      'revision',
      's3://b/k',
      'smoke test',
      '',
      'a|b',
      'c',
    ]);
    expect(run.summary).toBe(
      '### Deploy of abc\n\n| | |\n|---|---|\n| revision | s3://b/k |\n| smoke test | – |\n| a\\|b | c |\n\n',
    );
    expect((await step('summary.sh', process.env, ['title', 'odd'])).stderr).toContain('got 2 arguments');
  });
});
