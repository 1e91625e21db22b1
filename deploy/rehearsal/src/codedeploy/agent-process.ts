import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type Bind, inMountNamespace } from '../namespace.js';
import { REHEARSAL_DIST } from '../paths.js';
import type { AgentCommand, DeploymentSpec } from './agent.js';
import { HookFailure } from './hook-script.js';

/** What CodeDeploy needs of an instance's agent: run a command of a deployment. */
export interface AgentClient {
  run(command: AgentCommand, spec: DeploymentSpec): Promise<'Succeeded' | 'Skipped'>;
}

type Answer =
  | { id: number; result: 'Succeeded' | 'Skipped' }
  | {
      id: number;
      error:
        | { hook: { code: HookFailure['code']; scriptName: string; agentMessage: string; log: string } }
        | { message: string };
    };

/**
 * An agent (agent-cli.ts) running as a process of its own inside a mount namespace with `binds`,
 * with `env` as its whole environment and `/` as its working directory: the agent's own unit
 * (aws/aws-codedeploy-agent, init.d/codedeploy-agent.service) sets no WorkingDirectory, and systemd
 * starts a service in `/` when none is set (systemd.exec(5), WorkingDirectory=). A hook failure crosses
 * the process boundary as the agent reports it — ScriptError's code, script name, message and log
 * (hook_executor.rb `ScriptError`, the diagnostics of PutHostCommandComplete) — and is rebuilt here as
 * the same HookFailure.
 */
export class AgentProcess implements AgentClient {
  private readonly pending = new Map<
    number,
    { resolve: (value: Answer) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;
  private stderr = '';
  private exited = false;

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as Answer;
      this.pending.get(answer.id)?.resolve(answer);
      this.pending.delete(answer.id);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      const error = new Error(
        `the agent exited (${code ?? signal}) during a command:\n${this.stderr.trim()}`,
      );
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  static start(options: { binds: readonly Bind[]; env: NodeJS.ProcessEnv; logFile: string }): AgentProcess {
    const [command, args] = inMountNamespace(options.binds, [
      process.execPath,
      join(REHEARSAL_DIST, 'codedeploy', 'agent-cli.js'),
      '--log-file',
      options.logFile,
    ]);
    return new AgentProcess(spawn(command, args, { cwd: '/', env: options.env, stdio: 'pipe' }));
  }

  /** The agent's process id (inside its mount namespace, as every script and service it starts). */
  get pid(): number {
    return this.child.pid!;
  }

  async run(command: AgentCommand, spec: DeploymentSpec): Promise<'Succeeded' | 'Skipped'> {
    if (this.exited) throw new Error(`the agent has exited:\n${this.stderr.trim()}`);
    const id = this.nextId++;
    const answer = await new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin.write(`${JSON.stringify({ id, command, spec })}\n`);
    });
    if ('result' in answer) return answer.result;
    if ('hook' in answer.error) {
      const { code, scriptName, agentMessage, log } = answer.error.hook;
      throw new HookFailure(code, scriptName, agentMessage, log);
    }
    throw new Error(answer.error.message);
  }

  /** Ends the agent (its stdin closes) and waits for it. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end();
    await exited;
  }
}
