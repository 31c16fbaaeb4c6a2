import createMemoryPersistence from 'aedes-persistence';
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { indexRetained, RetainedIndex, RetainedStore } from './retained-index';

const packet = (topic: string, payload = 'x') => ({ topic, payload: Buffer.from(payload) });
const topicsOf = async (stream: Readable) => (await stream.toArray()).map((p: { topic: string }) => p.topic).sort();

describe(RetainedIndex.name, () => {
  describe('match', () => {
    const index = new RetainedIndex();
    for (const topic of ['a', 'a/b', 'a/b/c', 'a//c', 'x/b', 'homeassistant/sensor/dinmeter_vm-1_c1_power_w/config']) index.store(packet(topic));
    const match = (filter: string) => [...index.match(filter)].map((p) => p.topic).sort();

    it.each([
      ['a/b', ['a/b']],
      ['a/+', ['a/b']],
      ['+/b', ['a/b', 'x/b']],
      ['a/+/c', ['a/b/c']], // aedes' qlobber: + never matches an empty level
      ['a/#', ['a', 'a//c', 'a/b', 'a/b/c']],
      ['#', ['a', 'a//c', 'a/b', 'a/b/c', 'homeassistant/sensor/dinmeter_vm-1_c1_power_w/config', 'x/b']],
      ['homeassistant/+/+/config', ['homeassistant/sensor/dinmeter_vm-1_c1_power_w/config']],
      ['a/b/c/d', []],
      ['b', []],
    ])('should match %s to %p', (filter, expected) => {
      expect(match(filter)).toEqual(expected);
    });
  });

  describe('store', () => {
    it('should replace a topic\'s message, delete it on an empty payload and prune what holds nothing', () => {
      const index = new RetainedIndex();
      index.store(packet('a/b/c', 'one'));
      index.store(packet('a/b/c', 'two'));
      index.store(packet('a/b'));
      expect(index.size).toBe(2);
      expect([...index.match('a/b/c')].map((p) => String(p.payload))).toEqual(['two']);
      index.store(packet('a/b/c', ''));
      index.store(packet('a/none', ''));
      expect(index.size).toBe(1);
      expect([...index.match('#')].map((p) => p.topic)).toEqual(['a/b']);
      index.store(packet('a/b', ''));
      expect([...index.match('#')]).toEqual([]);
      expect(index.size).toBe(0);
    });
  });

  describe(indexRetained.name, () => {
    // The reference: aedes' own memory persistence, which tests every retained topic against the filter.
    it('should find the same retained messages as aedes-persistence for any stores, clears and filter', async () => {
      const word = fc.constantFrom('a', 'b', 'dinmeter', 'vm-1', '', '$SYS');
      const topic = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join('/'));
      const filter = fc
        .tuple(fc.array(fc.oneof(word, fc.constant('+')), { maxLength: 4 }), fc.boolean())
        .filter(([words, hash]) => words.length > 0 || hash)
        .map(([words, hash]) => [...words, ...(hash ? ['#'] : [])].join('/'));
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(topic, fc.boolean()), { maxLength: 40 }), fc.array(filter, { minLength: 1, maxLength: 3 }), async (writes, filters) => {
          const reference = createMemoryPersistence() as unknown as RetainedStore;
          const indexed = createMemoryPersistence() as unknown as RetainedStore;
          indexRetained(indexed);
          for (const [t, clear] of writes) {
            for (const store of [reference, indexed]) store.storeRetained(packet(t, clear ? '' : t), () => undefined);
          }
          expect(await topicsOf(indexed.createRetainedStreamCombi(filters))).toEqual(await topicsOf(reference.createRetainedStreamCombi(filters)));
          expect(await topicsOf(indexed.createRetainedStream(filters[0]))).toEqual(await topicsOf(reference.createRetainedStream(filters[0])));
        }),
        { numRuns: 300 },
      );
    });
  });
});
