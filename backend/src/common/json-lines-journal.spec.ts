import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLinesJournal } from './json-lines-journal';

describe(JsonLinesJournal.name, () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'journal-'));
    path = join(dir, 'sub', 'records.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const lines = () => readFileSync(path, 'utf8').trimEnd().split('\n');

  describe('save', () => {
    it('should not touch the disk until flush, then append only the records that changed', () => {
      const journal = new JsonLinesJournal<{ id: string; n: number }>(path, 60_000);
      journal.save({ id: 'a', n: 1 });
      journal.save({ id: 'b', n: 1 });
      expect(() => readFileSync(path)).toThrow(/ENOENT/);
      journal.flush();
      expect(lines()).toEqual(['{"id":"a","n":1}', '{"id":"b","n":1}']);
      journal.save({ id: 'a', n: 1 }); // unchanged: no line
      journal.save({ id: 'b', n: 2 });
      journal.flush();
      expect(lines()).toEqual(['{"id":"a","n":1}', '{"id":"b","n":1}', '{"id":"b","n":2}']);
      expect(journal.appendedLines).toBe(3);
    });
  });

  describe('remove', () => {
    it('should append a tombstone for a written record, none for an unwritten one, and forget both on load', () => {
      const journal = new JsonLinesJournal<{ id: string; n: number }>(path, 60_000);
      journal.save({ id: 'a', n: 1 });
      journal.save({ id: 'b', n: 1 });
      journal.flush();
      journal.remove('a');
      journal.save({ id: 'c', n: 1 });
      journal.remove('c');
      journal.flush();
      expect(lines()).toEqual(['{"id":"a","n":1}', '{"id":"b","n":1}', '{"id":"a","removed":true}']);
      expect(new JsonLinesJournal(path).load()).toEqual([{ id: 'b', n: 1 }]);
    });

    it('should let a removed id come back, and drop tombstones when compacting', () => {
      const journal = new JsonLinesJournal<{ id: string; n: number }>(path);
      journal.save({ id: 'a', n: 1 });
      journal.flush();
      journal.remove('a');
      journal.flush();
      journal.save({ id: 'a', n: 2 });
      journal.flush();
      expect(new JsonLinesJournal(path).load()).toEqual([{ id: 'a', n: 2 }]);
      journal.save({ id: 'b', n: 1 });
      journal.flush();
      expect(lines()).toHaveLength(4);
      journal.compact();
      expect(lines()).toEqual(['{"id":"a","n":2}', '{"id":"b","n":1}']);
    });
  });

  describe('load', () => {
    it('should return the last state of every id, and nothing for a missing file', () => {
      const journal = new JsonLinesJournal<{ id: string; n: number }>(path);
      expect(journal.load()).toEqual([]);
      journal.save({ id: 'a', n: 1 });
      journal.flush();
      journal.save({ id: 'a', n: 2 });
      journal.save({ id: 'b', n: 7 });
      journal.flush();
      expect(new JsonLinesJournal(path).load()).toEqual([
        { id: 'a', n: 2 },
        { id: 'b', n: 7 },
      ]);
    });

    it('should drop a torn last line (a crash mid-append) and keep the rest', () => {
      const journal = new JsonLinesJournal<{ id: string; n: number }>(path);
      journal.save({ id: 'a', n: 1 });
      journal.flush();
      appendFileSync(path, '{"id":"a","n":');
      expect(new JsonLinesJournal(path).load()).toEqual([{ id: 'a', n: 1 }]);
    });

    it('should refuse a file damaged before its last line, naming the line', () => {
      const journal = new JsonLinesJournal<{ id: string }>(path);
      journal.save({ id: 'a' });
      journal.flush();
      writeFileSync(path, '{"id":"a"}\nnot json\n{"id":"b"}\n');
      expect(() => new JsonLinesJournal(path).load()).toThrow(/line 2 is damaged/);
      writeFileSync(path, '{"id":"a"}\n{"n":1}\n{"id":"b"}\n');
      expect(() => new JsonLinesJournal(path).load()).toThrow(/line 2 is damaged: no string "id"/);
    });
  });

  describe('compact', () => {
    it('should rewrite the file with one line per id once it holds more than twice as many lines as ids', () => {
      const journal = new JsonLinesJournal<{ id: string; n: number }>(path, 1000, 4);
      for (let n = 1; n <= 4; n++) {
        journal.save({ id: 'a', n });
        journal.flush();
      }
      expect(lines()).toHaveLength(4);
      journal.save({ id: 'a', n: 5 });
      journal.flush();
      expect(lines()).toEqual(['{"id":"a","n":5}']);
      journal.save({ id: 'b', n: 1 });
      journal.flush();
      expect(new JsonLinesJournal(path).load()).toEqual([
        { id: 'a', n: 5 },
        { id: 'b', n: 1 },
      ]);
    });
  });
});
