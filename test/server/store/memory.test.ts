import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryLogStore } from '../../../server/store/memory-log-store.js';
import { OPEN_POLICY, runLogStoreContract } from './log-store-contract.js';

runLogStoreContract('MemoryLogStore', async (policyFor) => {
  const store = new MemoryLogStore({ policyFor, dedupeWindowMs: 120_000 });
  await store.open();
  return { store, sweep: async (now) => store.sweepNow(now), close: () => store.close() };
});

it('gives every topic a new epoch in a new MemoryLogStore (a restart)', async () => {
  const make = async (): Promise<MemoryLogStore> => {
    const s = new MemoryLogStore({ policyFor: () => OPEN_POLICY, dedupeWindowMs: 1000 });
    await s.open();
    return s;
  };
  const a = await make();
  const b = await make();
  assert.notEqual((await a.touch('t')).epoch, (await b.touch('t')).epoch);
  await a.close();
  await b.close();
});
