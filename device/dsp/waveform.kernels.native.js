/*
 * WaveformKernels as C host functions (waveform.kernels.native.c): for Moddable builds only (the
 * `@` syntax is XS's; Node and xsnap use the portable kernels of waveform.kernels.ts). Each typed
 * array goes to C as its buffer, byte offset and element width.
 */
function levels(v, vOffset, vWidth, i, iOffset, iWidth, n, out, outOffset) @ "xs_dinmeter_dsp_levels";
function cycleWindow(v, vOffset, vWidth, n, level, hysteresis, fitHalfWidth, out, outOffset) @ "xs_dinmeter_dsp_cycle_window";
function accumulate(v, vOffset, vWidth, i, iOffset, iWidth, k0, k1, dcV, dcI, coefficient, out, outOffset) @ "xs_dinmeter_dsp_accumulate";
function goertzel(a, aOffset, aWidth, b, bOffset, bWidth, n, omega, out, outOffset) @ "xs_dinmeter_dsp_goertzel";

const nativeWaveformKernels = Object.freeze({
	name: "native",
	levels(voltageV, currentA, n, out) {
		levels(voltageV.buffer, voltageV.byteOffset, voltageV.BYTES_PER_ELEMENT, currentA.buffer, currentA.byteOffset, currentA.BYTES_PER_ELEMENT, n, out.buffer, out.byteOffset);
	},
	cycleWindow(voltageV, n, levelV, hysteresisV, fitHalfWidth, out) {
		cycleWindow(voltageV.buffer, voltageV.byteOffset, voltageV.BYTES_PER_ELEMENT, n, levelV, hysteresisV, fitHalfWidth, out.buffer, out.byteOffset);
	},
	accumulate(voltageV, currentA, k0, k1, dcV, dcI, coefficient, out) {
		accumulate(voltageV.buffer, voltageV.byteOffset, voltageV.BYTES_PER_ELEMENT, currentA.buffer, currentA.byteOffset, currentA.BYTES_PER_ELEMENT, k0, k1, dcV, dcI, coefficient, out.buffer, out.byteOffset);
	},
	goertzelMagnitudes(a, b, n, omega, out) {
		goertzel(a.buffer, a.byteOffset, a.BYTES_PER_ELEMENT, b.buffer, b.byteOffset, b.BYTES_PER_ELEMENT, n, omega, out.buffer, out.byteOffset);
	},
});

export default nativeWaveformKernels;
