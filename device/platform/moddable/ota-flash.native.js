/*
 * The OTA app slots as raw flash (ota-flash.native.c): for Moddable builds only (the `@` syntax is
 * XS's). Typed by ota-flash.native.d.ts; used by esp-slots.ts.
 */
function runningSlot() @ "xs_dinmeter_ota_running_slot";
function slotBytes(slot) @ "xs_dinmeter_ota_slot_bytes";
function erase(slot, offset, length) @ "xs_dinmeter_ota_erase";
function read(slot, offset, buffer, byteOffset, length) @ "xs_dinmeter_ota_read";
function write(slot, offset, buffer, byteOffset, length) @ "xs_dinmeter_ota_write";
function selectBoot(slot) @ "xs_dinmeter_ota_select_boot";
function markValid() @ "xs_dinmeter_ota_mark_valid";
function restart() @ "xs_dinmeter_ota_restart";

const otaFlash = Object.freeze({
	sectorBytes: 4096,
	runningSlot,
	slotBytes,
	erase,
	read(slot, offset, bytes) {
		read(slot, offset, bytes.buffer, bytes.byteOffset, bytes.byteLength);
	},
	write(slot, offset, bytes) {
		write(slot, offset, bytes.buffer, bytes.byteOffset, bytes.byteLength);
	},
	selectBoot,
	markValid,
	restart,
});

export default otaFlash;
