import { describe, expect, it } from 'vitest';
import { ReadRouter } from './read-router.js';

class Down extends Error {}

function router(replicas: string[], cooldownMs = 1_000, maxLagMs?: number) {
  let clock = 0;
  const downEvents: string[] = [];
  const instance = new ReadRouter(
    'primary',
    replicas.map((name) => ({ name, handle: name })),
    {
      cooldownMs,
      maxLagMs,
      now: () => clock,
      isConnectionError: (error) => error instanceof Down,
      onReplicaDown: (name) => downEvents.push(name),
    },
  );
  return { instance, downEvents, advance: (ms: number) => (clock += ms) };
}

describe('ReadRouter', () => {
  it('reads from the primary when there are no replicas', async () => {
    const { instance } = router([]);
    expect(await instance.read(async (handle) => handle)).toBe('primary');
  });

  it('spreads reads over the replicas in turn', async () => {
    const { instance } = router(['r1', 'r2']);
    const used = [];
    for (let i = 0; i < 4; i++) used.push(await instance.read(async (handle) => handle));
    expect(used).toEqual(['r1', 'r2', 'r1', 'r2']);
  });

  it('falls back to the primary when a replica cannot be reached, and skips it during the cooldown', async () => {
    const { instance, downEvents, advance } = router(['r1'], 1_000);
    const attempts: string[] = [];
    const query = async (handle: string) => {
      attempts.push(handle);
      if (handle === 'r1') throw new Down('connect ECONNREFUSED');
      return handle;
    };
    expect(await instance.read(query)).toBe('primary');
    expect(await instance.read(query)).toBe('primary');
    expect(attempts).toEqual(['r1', 'primary', 'primary']);
    expect(downEvents).toEqual(['r1']);
    advance(1_000);
    expect(await instance.read(query)).toBe('primary');
    expect(attempts.slice(3)).toEqual(['r1', 'primary']);
  });

  it('uses a healthy replica while another is cooling down', async () => {
    const { instance } = router(['r1', 'r2']);
    const query = async (handle: string) => {
      if (handle === 'r1') throw new Down('down');
      return handle;
    };
    const used = [];
    for (let i = 0; i < 4; i++) used.push(await instance.read(query));
    expect(used).toEqual(['primary', 'r2', 'r2', 'r2']);
  });

  it('passes on errors that are not about the connection (a bad query fails on any server)', async () => {
    const { instance } = router(['r1']);
    await expect(
      instance.read(async () => {
        throw new Error('syntax error');
      }),
    ).rejects.toThrow('syntax error');
  });

  describe('with a lag bound', () => {
    const where = (instance: ReadRouter<string>) => instance.read(async (handle) => handle);

    it('reads from a replica only once it is measured within the bound', async () => {
      const { instance } = router(['r1'], 1_000, 1_000);
      expect(await where(instance)).toBe('primary');
      instance.recordLag('r1', 200);
      expect(await where(instance)).toBe('r1');
      instance.recordLag('r1', 1_500);
      expect(await where(instance)).toBe('primary');
      instance.recordLag('r1', undefined);
      expect(await where(instance)).toBe('primary');
    });

    it('counts the age of the measurement: replication may have stopped right after it', async () => {
      const { instance, advance } = router(['r1'], 1_000, 1_000);
      instance.recordLag('r1', 400);
      advance(600);
      expect(instance.stalenessBound('r1')).toBe(1_000);
      expect(await where(instance)).toBe('r1');
      advance(1);
      expect(await where(instance)).toBe('primary');
    });

    it('takes a replica back as soon as a measurement reaches it after a failed read', async () => {
      const { instance } = router(['r1'], 60_000, 1_000);
      instance.recordLag('r1', 100);
      let replicaDown = true;
      const query = async (handle: string) => {
        if (handle === 'r1' && replicaDown) throw new Down('connection lost');
        return handle;
      };
      expect(await instance.read(query)).toBe('primary');
      replicaDown = false;
      expect(await instance.read(query)).toBe('primary');
      instance.recordLag('r1', 100);
      expect(await instance.read(query)).toBe('r1');
    });
  });
});
