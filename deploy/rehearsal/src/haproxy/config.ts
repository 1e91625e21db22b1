export interface HaproxyServer {
  name: string;
  port: number;
}

export interface HealthCheck {
  intervalMs: number;
  /** Consecutive passing checks before a server is UP again. */
  rise: number;
  /** Consecutive failing checks before a server is DOWN. */
  fall: number;
}

export const BACKEND = 'dealership';

/** A server's health-check settings, as `server` and `default-server` lines take them. */
export const checkSettings = (check: HealthCheck) =>
  `check inter ${check.intervalMs}ms fastinter ${check.intervalMs}ms downinter ${check.intervalMs}ms rise ${check.rise} fall ${check.fall}`;

/**
 * The load balancer of the rehearsal, shaped like the ALB in front of the instances: round robin,
 * the service's readiness as the health check, and an admin socket for draining and readying servers.
 */
export function renderHaproxyConfig(options: {
  frontendPort: number;
  socketPath: string;
  servers: readonly HaproxyServer[];
  check: HealthCheck;
}): string {
  const { frontendPort, socketPath, servers, check } = options;
  return `global
  stats socket ${socketPath} mode 600 level admin
  maxconn 2000

defaults
  mode http
  timeout connect 2s
  # The ALB's idle timeout is 60 s; the service keeps connections longer than that.
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  # A request that never reached a server may go to another one; nothing already sent is replayed.
  retries 3
  option redispatch 1
  retry-on conn-failure
  http-reuse safe

frontend public
  bind 127.0.0.1:${frontendPort}
  default_backend ${BACKEND}

backend ${BACKEND}
  balance roundrobin
  option httpchk GET /health/ready
  http-check expect status 200
  default-server ${checkSettings(check)}
${servers.map((server) => `  server ${server.name} 127.0.0.1:${server.port}`).join('\n')}
`;
}
