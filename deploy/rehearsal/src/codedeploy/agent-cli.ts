/**
 * The agent as a process of its own: one per rehearsal instance, started in that instance's mount
 * namespace (namespace.ts) the way the real agent is a daemon on its instance. It reads one command a
 * line on stdin, `{"id", "command", "spec"}`, runs it, and answers one line on stdout,
 * `{"id", "result"}` or `{"id", "error"}`; scripts' output goes to the deployment logs, never here.
 * Its environment and working directory are the ones its scripts get.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type AgentCommand, CodeDeployAgent, type DeploymentSpec } from './agent.js';
import { HookFailure } from './hook-script.js';

const { values } = parseArgs({ options: { 'log-file': { type: 'string' } } });
const agent = new CodeDeployAgent(values['log-file'] ? { logFile: values['log-file'] } : {});

let queue = Promise.resolve();
for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line) as { id: number; command: AgentCommand; spec: DeploymentSpec };
  // One command at a time, as the agent runs them.
  queue = queue.then(async () => {
    try {
      const result = await agent.run(request.command, request.spec);
      process.stdout.write(`${JSON.stringify({ id: request.id, result })}\n`);
    } catch (error) {
      const failure =
        error instanceof HookFailure
          ? {
              hook: {
                code: error.code,
                scriptName: error.scriptName,
                agentMessage: error.agentMessage,
                log: error.log,
              },
            }
          : { message: error instanceof Error ? error.message : String(error) };
      process.stdout.write(`${JSON.stringify({ id: request.id, error: failure })}\n`);
    }
  });
}
await queue;
