export { LIFECYCLE_ORDER } from '@dealership/revision';
export { AutoScalingSim, type RefreshScenario, type RefreshStep, SUCCESSFUL_REFRESH } from './autoscaling.js';
export { CallLedger, type SimCall } from './calls.js';
export { FakeClock } from './clock.js';
export {
  CodeDeploySim,
  type DeploymentScenario,
  type SimGroup,
  VALIDATE_SERVICE_FAILS,
} from './codedeploy.js';
export { type SimServer, serveSimulation } from './http.js';
export { plugSimulation, type SimulatedService, simulatedClient } from './plug.js';
