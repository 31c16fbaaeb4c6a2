/** What the record log knows of each sector, in parallel typed arrays: O(sectors) RAM, never O(records). */

export const FREE_ERASED = 0;
export const FREE_DIRTY = 1;
export const LIVE = 2;

export class SectorIndex {
  readonly state: Uint8Array;
  /** Resolution tier (flash-layout TIERS): 0 = raw records. */
  readonly tier: Uint8Array;
  readonly generation: Uint32Array;
  readonly baseTsS: Uint32Array;
  readonly firstSeq: Uint32Array;
  readonly lastSeq: Uint32Array;
  readonly count: Uint32Array;
  /** Next write offset (erased flash from here). */
  readonly writeEnd: Uint32Array;
  /** End of readable entries: writeEnd for raw sectors, the last MERGE_COMMIT for merged ones. */
  readonly validEnd: Uint32Array;
  /** Takes no more writes (full, or garbage found after its valid entries). */
  readonly closed: Uint8Array;
  /** Merged sectors: the seq range of the input sectors their MERGE_COMMITs replaced. */
  readonly mergedLo: Uint32Array;
  readonly mergedHi: Uint32Array;

  constructor(readonly sectors: number) {
    const n = sectors;
    this.state = new Uint8Array(n);
    this.tier = new Uint8Array(n);
    this.generation = new Uint32Array(n);
    this.baseTsS = new Uint32Array(n);
    this.firstSeq = new Uint32Array(n);
    this.lastSeq = new Uint32Array(n);
    this.count = new Uint32Array(n);
    this.writeEnd = new Uint32Array(n);
    this.validEnd = new Uint32Array(n);
    this.closed = new Uint8Array(n);
    this.mergedLo = new Uint32Array(n);
    this.mergedHi = new Uint32Array(n);
  }

  forget(s: number): void {
    this.state[s] = FREE_DIRTY;
    this.tier[s] = 0;
    this.generation[s] = 0;
    this.baseTsS[s] = 0;
    this.firstSeq[s] = 0;
    this.lastSeq[s] = 0;
    this.count[s] = 0;
    this.writeEnd[s] = 0;
    this.validEnd[s] = 0;
    this.closed[s] = 0;
    this.mergedLo[s] = 0;
    this.mergedHi[s] = 0;
  }

  freeCount(): number {
    let free = 0;
    for (let s = 0; s < this.sectors; s++) if (this.state[s] !== LIVE) free++;
    return free;
  }

  /** Live sectors holding records, in seq order (seq ranges of live sectors never overlap). */
  liveSectorsBySeq(filter: (s: number) => boolean): number[] {
    const list: number[] = [];
    for (let s = 0; s < this.sectors; s++) {
      if (this.state[s] === LIVE && this.count[s] > 0 && filter(s)) list.push(s);
    }
    return list.sort((a, b) => this.firstSeq[a] - this.firstSeq[b]);
  }

  /** Records this merged sector's MERGE_COMMIT says it replaced. */
  noteMerged(s: number, lo: number, hi: number): void {
    this.mergedLo[s] = this.mergedHi[s] === 0 ? lo : Math.min(this.mergedLo[s], lo);
    this.mergedHi[s] = Math.max(this.mergedHi[s], hi);
  }

  /** Adds committed records first..last to sector `s`. */
  noteRecords(s: number, first: number, last: number, records: number): void {
    if (this.count[s] === 0) this.firstSeq[s] = first;
    this.lastSeq[s] = last;
    this.count[s] += records;
  }

  /** The live sectors and the records they hold (the boot report). */
  liveSummary(): {
    records: number;
    firstSeq: number | undefined;
    lastSeq: number | undefined;
    liveSectors: number;
    freeSectors: number;
  } {
    let records = 0;
    let first: number | undefined;
    let last: number | undefined;
    let live = 0;
    for (let s = 0; s < this.sectors; s++) {
      if (this.state[s] !== LIVE) continue;
      live++;
      if (this.count[s] === 0) continue;
      records += this.count[s];
      if (first === undefined || this.firstSeq[s] < first) first = this.firstSeq[s];
      if (last === undefined || this.lastSeq[s] > last) last = this.lastSeq[s];
    }
    return { records, firstSeq: first, lastSeq: last, liveSectors: live, freeSectors: this.sectors - live };
  }
}
