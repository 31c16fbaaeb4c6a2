// waveform.kernels.native.js: the WaveformKernels as C host functions (Moddable builds only).
import type { WaveformKernels } from './waveform.kernels';

declare const nativeWaveformKernels: WaveformKernels;
export default nativeWaveformKernels;
