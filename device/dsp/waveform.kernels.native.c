/*
 * The per-sample loops of the waveform analyzer as Moddable C host functions (xsmc): the same
 * arithmetic, in the same order and in doubles, as the portable reference `portableWaveformKernels`
 * (waveform.kernels.ts, zero-crossing.tracker.ts, harmonic.goertzel.ts). Both are held to the
 * vectors of waveform.analyzer.xs-test.ts; the native ones run them inside the lin image
 * (device/bench/native-selftest.ts).
 *
 * Arguments come from waveform.kernels.native.js: each sample buffer as (ArrayBuffer, byteOffset,
 * bytes per element: 4 = Float32Array, 8 = Float64Array), the result buffer as (ArrayBuffer,
 * byteOffset). Every index is checked against the buffer before the loop: a bad call throws a
 * RangeError and writes nothing. Nothing here allocates or calls back into XS, so the buffers
 * cannot move while a loop runs.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "xsmc.h"

typedef struct {
	const uint8_t *bytes;
	int single; /* 1: float samples, 0: double */
} Samples;

/* Samples at arguments arg…arg+2, holding at least `count` elements. */
static Samples samplesArg(xsMachine *the, int arg, xsIntegerValue count)
{
	Samples samples;
	void *data;
	xsUnsignedValue size;
	xsIntegerValue offset = xsmcToInteger(xsArg(arg + 1));
	xsIntegerValue width = xsmcToInteger(xsArg(arg + 2));
	xsmcGetBufferReadable(xsArg(arg), &data, &size);
	if ((width != 4) && (width != 8))
		xsRangeError("sample width must be 4 or 8 bytes, got %d", (int)width);
	if ((offset < 0) || (count < 0) || ((uint64_t)offset + (uint64_t)count * (uint64_t)width > size))
		xsRangeError("%d samples at byte %d do not fit a buffer of %u bytes", (int)count, (int)offset, (unsigned)size);
	samples.bytes = (const uint8_t *)data + offset;
	samples.single = (4 == width);
	return samples;
}

/* Result buffer at arguments arg, arg+1 with room for `count` doubles. */
static uint8_t *resultArg(xsMachine *the, int arg, int count)
{
	void *data;
	xsUnsignedValue size;
	xsIntegerValue offset = xsmcToInteger(xsArg(arg + 1));
	xsmcGetBufferWritable(xsArg(arg), &data, &size);
	if ((offset < 0) || ((uint64_t)offset + (uint64_t)count * sizeof(double) > size))
		xsRangeError("result buffer too small: %d doubles at byte %d of %u", count, (int)offset, (unsigned)size);
	return (uint8_t *)data + offset;
}

static inline double sampleAt(Samples s, xsIntegerValue k)
{
	if (s.single) {
		float value;
		memcpy(&value, s.bytes + (size_t)k * sizeof(float), sizeof(float));
		return value;
	}
	else {
		double value;
		memcpy(&value, s.bytes + (size_t)k * sizeof(double), sizeof(double));
		return value;
	}
}

static void setResults(uint8_t *out, const double *values, int count)
{
	memcpy(out, values, (size_t)count * sizeof(double));
}

/* levels(v…, i…, n, out…): [Σv, Σi, min v, max v] over 0…n−1. */
void xs_dinmeter_dsp_levels(xsMachine *the)
{
	xsIntegerValue n = xsmcToInteger(xsArg(6));
	if (n < 1)
		xsRangeError("n must be ≥ 1, got %d", (int)n);
	Samples v = samplesArg(the, 0, n);
	Samples i = samplesArg(the, 3, n);
	uint8_t *out = resultArg(the, 7, 4);
	double sumV = 0, sumI = 0, minV = sampleAt(v, 0), maxV = minV;
	for (xsIntegerValue k = 0; k < n; k++) {
		double x = sampleAt(v, k);
		sumV += x;
		sumI += sampleAt(i, k);
		if (x < minV)
			minV = x;
		else if (x > maxV)
			maxV = x;
	}
	double results[4] = { sumV, sumI, minV, maxV };
	setResults(out, results, 4);
}

/* Zero of the least-squares line through k − m … k + m − 1 (zero-crossing.tracker.ts crossingInstant). */
static double crossingInstant(Samples v, xsIntegerValue n, double level, xsIntegerValue k, xsIntegerValue m, double fallback)
{
	if ((m <= 1) || (k - m < 0) || (k + m > n))
		return fallback;
	double sumY = 0, sumXY = 0, sumXX = 0;
	for (xsIntegerValue j = k - m; j < k + m; j++) {
		double x = (double)(j - k) + 0.5;
		double y = sampleAt(v, j) - level;
		sumY += y;
		sumXY += x * y;
		sumXX += x * x;
	}
	double slope = sumXY / sumXX;
	if (!(slope > 0))
		return fallback;
	double t = (double)k - 0.5 - sumY / (double)(2 * m) / slope;
	return ((t > (double)k - 2) && (t < (double)k + 1)) ? t : fallback;
}

/* cycleWindow(v…, n, level, hysteresis, fitHalfWidth, out…): [cycles, first, last, period]. */
void xs_dinmeter_dsp_cycle_window(xsMachine *the)
{
	xsIntegerValue n = xsmcToInteger(xsArg(3));
	double level = xsmcToNumber(xsArg(4));
	double hysteresis = xsmcToNumber(xsArg(5));
	xsIntegerValue m = xsmcToInteger(xsArg(6));
	if (n < 1)
		xsRangeError("n must be ≥ 1, got %d", (int)n);
	Samples v = samplesArg(the, 0, n);
	uint8_t *out = resultArg(the, 7, 4);
	xsIntegerValue crossings = 0;
	double first = 0, last = 0, sumJ = 0, sumT = 0, sumJT = 0, sumJJ = 0;
	double armLevel = -hysteresis;
	double previous = sampleAt(v, 0) - level;
	int armed = previous < armLevel;
	for (xsIntegerValue k = 1; k < n; k++) {
		double x = sampleAt(v, k) - level;
		if (armed) {
			if (x >= 0) {
				double t = crossingInstant(v, n, level, k, m, (double)(k - 1) + previous / (previous - x));
				if (0 == crossings)
					first = t;
				last = t;
				double dt = t - first;
				sumJ += crossings;
				sumT += dt;
				sumJT += crossings * dt;
				sumJJ += (double)crossings * crossings;
				crossings++;
				armed = 0;
			}
		}
		else if (x < armLevel)
			armed = 1;
		previous = x;
	}
	double denominator = crossings * sumJJ - sumJ * sumJ;
	double results[4] = {
		crossings > 0 ? crossings - 1 : 0,
		first,
		last,
		crossings >= 2 ? (crossings * sumJT - sumJ * sumT) / denominator : 0,
	};
	setResults(out, results, 4);
}

/* accumulate(v…, i…, k0, k1, dcV, dcI, coefficient, out…): sums and Goertzel states over k0…k1. */
void xs_dinmeter_dsp_accumulate(xsMachine *the)
{
	xsIntegerValue k0 = xsmcToInteger(xsArg(6));
	xsIntegerValue k1 = xsmcToInteger(xsArg(7));
	double dcV = xsmcToNumber(xsArg(8));
	double dcI = xsmcToNumber(xsArg(9));
	double coefficient = xsmcToNumber(xsArg(10));
	if ((k0 < 0) || (k1 < k0 - 1))
		xsRangeError("bad sample range %d…%d", (int)k0, (int)k1);
	Samples v = samplesArg(the, 0, k1 + 1);
	Samples i = samplesArg(the, 3, k1 + 1);
	uint8_t *out = resultArg(the, 11, 9);
	double sumV = 0, sumI = 0, sumVV = 0, sumII = 0, sumVI = 0;
	double v1 = 0, v2 = 0, i1 = 0, i2 = 0;
	for (xsIntegerValue k = k0; k <= k1; k++) {
		double x = sampleAt(v, k) - dcV;
		double y = sampleAt(i, k) - dcI;
		sumV += x;
		sumI += y;
		sumVV += x * x;
		sumII += y * y;
		sumVI += x * y;
		double v0 = x + coefficient * v1 - v2;
		v2 = v1;
		v1 = v0;
		double i0 = y + coefficient * i1 - i2;
		i2 = i1;
		i1 = i0;
	}
	double results[9] = { sumV, sumI, sumVV, sumII, sumVI, v1, v2, i1, i2 };
	setResults(out, results, 9);
}

/* goertzel(a…, b…, n, omega, out…): [|A(ω)|, |B(ω)|] (harmonic.goertzel.ts). */
void xs_dinmeter_dsp_goertzel(xsMachine *the)
{
	xsIntegerValue n = xsmcToInteger(xsArg(6));
	double omega = xsmcToNumber(xsArg(7));
	if (n < 0)
		xsRangeError("n must be ≥ 0, got %d", (int)n);
	Samples a = samplesArg(the, 0, n);
	Samples b = samplesArg(the, 3, n);
	uint8_t *out = resultArg(the, 8, 2);
	double coefficient = 2 * cos(omega);
	double a1 = 0, a2 = 0, b1 = 0, b2 = 0;
	for (xsIntegerValue k = 0; k < n; k++) {
		double a0 = sampleAt(a, k) + coefficient * a1 - a2;
		a2 = a1;
		a1 = a0;
		double b0 = sampleAt(b, k) + coefficient * b1 - b2;
		b2 = b1;
		b1 = b0;
	}
	double squareA = a1 * a1 + a2 * a2 - coefficient * a1 * a2;
	double squareB = b1 * b1 + b2 * b2 - coefficient * b1 * b2;
	double results[2] = { sqrt(squareA > 0 ? squareA : 0), sqrt(squareB > 0 ? squareB : 0) };
	setResults(out, results, 2);
}
