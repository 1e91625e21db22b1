/**
 * The agent as a process of its own: one per rehearsal instance, started in that instance's mount
 * namespace (namespace.ts) the way the real agent is a daemon on its instance. It reads one command a
 * line on stdin, `{"id", "command", "spec"}`, runs it, and answers one line on stdout,
 * `{"id", "result"}` or `{"id", "error"}`; scripts' output goes to the deployment logs, never here.
 * Its environment and working directory are the ones its scripts get.
 *
 * Rules from the real agent (aws/aws-codedeploy-agent): one command at a time — the agent polls for a
 * host command and completes it before it asks for the next (lib/instance_agent/plugins/codedeploy/
 * command_poller.rb, `perform`: acknowledge, process, complete); a script's failure is reported with
 * its ScriptError code, script name, message and log tail, the diagnostics payload the agent sends in
 * PutHostCommandComplete (hook_executor.rb `ScriptError`, command_poller.rb `perform` and
 * `gather_diagnostics_from_script_error`); the
 * scripts inherit the agent's environment and working directory (hook_executor.rb `execute_script`:
 * `Open3.popen3(@child_envs, script_command, pgroup: true)`, no `chdir`, @child_envs adding the
 * LIFECYCLE_EVENT and DEPLOYMENT_* variables).
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
  // One command at a time, as the agent runs them (command_poller.rb `perform`).
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
