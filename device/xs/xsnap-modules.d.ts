// Minimal typings for the parts of @agoric/xsnap and @endo/init that device/xs uses (neither ships .d.ts).
declare module '@endo/init';
declare module '@agoric/xsnap' {
  export interface XsnapMeterUsage {
    meterType: string;
    compute: number | null;
    allocate: number | null;
    currentHeapCount: number | null;
  }
  export interface XsnapWorker {
    evaluate(code: string): Promise<{ meterUsage: XsnapMeterUsage }>;
    close(): Promise<void>;
    terminate(): Promise<void>;
  }
  export function xsnap(options: {
    os: string;
    spawn: unknown;
    fs: unknown;
    name?: string;
    handleCommand?: (message: Uint8Array) => Promise<Uint8Array>;
    meteringLimit?: number;
    stdout?: 'ignore' | 'inherit' | 'pipe';
    stderr?: 'ignore' | 'inherit' | 'pipe';
  }): Promise<XsnapWorker>;
}
