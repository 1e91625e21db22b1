import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A path that shows another: inside the namespace, `target` is `source`. */
export interface Bind {
  source: string;
  target: string;
}

const BIND_AND_EXEC =
  'set -e; while [ "$1" != -- ]; do mount --bind "$1" "$2"; shift 2; done; shift; exec "$@"';

/**
 * The command that runs `argv` in a mount namespace of its own (`unshare --mount`, private
 * propagation) where each bind's target shows its source. This is how several rehearsal instances
 * share one machine while every path stays exactly as written: each instance's agent, hooks and service
 * see their own /opt/dealership, /etc/dealership, … and nothing is mounted outside the namespace.
 * Needs root (CAP_SYS_ADMIN), as the agent itself runs as root. A target that is missing is created
 * (an empty folder, or an empty file for a file bind) so it can be mounted on.
 */
export function inMountNamespace(binds: readonly Bind[], argv: readonly string[]): [string, string[]] {
  for (const { source, target } of binds) {
    if (existsSync(target)) continue;
    if (statSync(source).isDirectory()) mkdirSync(target, { recursive: true });
    else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, '');
    }
  }
  return [
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      BIND_AND_EXEC,
      'sh',
      ...binds.flatMap(({ source, target }) => [source, target]),
      '--',
      ...argv,
    ],
  ];
}
