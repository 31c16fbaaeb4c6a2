/*
 * The two OTA app slots as raw flash for EspFirmwareSlots (esp-slots.ts), as Moddable C host
 * functions (xsmc). Moddable's `ota` module goes through esp_ota_begin(), which erases the whole
 * slot, so a download could never resume after a power cut; here the JavaScript erases sector by
 * sector just ahead of what it writes, and writes at an offset.
 *
 * ESP-IDF v5 APIs: esp_ota_get_running_partition, esp_partition_find_first,
 * esp_partition_erase_range / _read / _write, esp_ota_set_boot_partition (which verifies the image
 * first), esp_ota_mark_app_valid_cancel_rollback, esp_restart.
 *
 * A slot is 0 (ota_0) or 1 (ota_1). Every call checks its arguments before touching flash and
 * throws with the bad value; the running slot is never erased or written. Built outside ESP-IDF
 * (the lin virtual board), `runningSlot()` says -1 and every other call throws.
 */
#include <stdint.h>
#include "xsmc.h"

#if defined(ESP_PLATFORM)
/* As the SDK's own ota.c: mcconfig's ESP32 include path has components/, not app_update/include. */
#include "app_update/include/esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_system.h"

/* esp_partition_erase_range needs sector-aligned offsets and lengths (SPI_FLASH_SEC_SIZE). */
#define SECTOR_BYTES 4096

static int slotOf(const esp_partition_t *partition)
{
	if ((NULL == partition) || (ESP_PARTITION_TYPE_APP != partition->type))
		return -1;
	if (ESP_PARTITION_SUBTYPE_APP_OTA_0 == partition->subtype)
		return 0;
	if (ESP_PARTITION_SUBTYPE_APP_OTA_1 == partition->subtype)
		return 1;
	return -1;
}

static const esp_partition_t *slotPartition(xsMachine *the, int arg)
{
	xsIntegerValue slot = xsmcToInteger(xsArg(arg));
	const esp_partition_t *partition;
	if ((slot != 0) && (slot != 1))
		xsRangeError("slot must be 0 or 1, got %d", (int)slot);
	partition = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_OTA_0 + slot, NULL);
	if (NULL == partition)
		xsUnknownError("no ota_%d partition in the partition table", (int)slot);
	return partition;
}

/* The slot at `arg`, refused when it is the one running. */
static const esp_partition_t *otherPartition(xsMachine *the, int arg)
{
	const esp_partition_t *partition = slotPartition(the, arg);
	if (slotOf(esp_ota_get_running_partition()) == slotOf(partition))
		xsRangeError("ota_%d is the running slot", slotOf(partition));
	return partition;
}

/* `length` bytes at `offset` must lie inside the partition. */
static void checkSpan(xsMachine *the, const esp_partition_t *partition, xsIntegerValue offset, xsIntegerValue length)
{
	if ((offset < 0) || (length < 0) || ((uint64_t)offset + (uint64_t)length > partition->size))
		xsRangeError("%d bytes at %d do not fit the %u-byte slot", (int)length, (int)offset, (unsigned)partition->size);
}

/* Bytes at arguments arg (buffer), arg+1 (byte offset), arg+2 (length) of a buffer. */
static uint8_t *bufferSpan(xsMachine *the, int arg, int writable, xsIntegerValue *length)
{
	void *data;
	xsUnsignedValue size;
	xsIntegerValue at = xsmcToInteger(xsArg(arg + 1));
	*length = xsmcToInteger(xsArg(arg + 2));
	if (writable)
		xsmcGetBufferWritable(xsArg(arg), &data, &size);
	else
		xsmcGetBufferReadable(xsArg(arg), &data, &size);
	if ((at < 0) || (*length < 0) || ((uint64_t)at + (uint64_t)*length > size))
		xsRangeError("%d bytes at %d do not fit a buffer of %u bytes", (int)*length, (int)at, (unsigned)size);
	return (uint8_t *)data + at;
}

static void check(xsMachine *the, esp_err_t err, const char *what)
{
	if (ESP_OK != err)
		xsUnknownError("%s failed: %s", what, esp_err_to_name(err));
}

void xs_dinmeter_ota_running_slot(xsMachine *the)
{
	xsmcSetInteger(xsResult, slotOf(esp_ota_get_running_partition()));
}

void xs_dinmeter_ota_slot_bytes(xsMachine *the)
{
	xsmcSetInteger(xsResult, (xsIntegerValue)slotPartition(the, 0)->size);
}

/* erase(slot, offset, length): whole sectors of the slot that is not running. */
void xs_dinmeter_ota_erase(xsMachine *the)
{
	const esp_partition_t *partition = otherPartition(the, 0);
	xsIntegerValue offset = xsmcToInteger(xsArg(1));
	xsIntegerValue length = xsmcToInteger(xsArg(2));
	checkSpan(the, partition, offset, length);
	if ((offset % SECTOR_BYTES) || (length % SECTOR_BYTES))
		xsRangeError("erase needs %d-byte sectors: %d bytes at %d", SECTOR_BYTES, (int)length, (int)offset);
	check(the, esp_partition_erase_range(partition, (size_t)offset, (size_t)length), "esp_partition_erase_range");
}

/* read(slot, offset, buffer, byteOffset, length) */
void xs_dinmeter_ota_read(xsMachine *the)
{
	const esp_partition_t *partition = slotPartition(the, 0);
	xsIntegerValue offset = xsmcToInteger(xsArg(1));
	xsIntegerValue length;
	uint8_t *bytes = bufferSpan(the, 2, 1, &length);
	checkSpan(the, partition, offset, length);
	check(the, esp_partition_read(partition, (size_t)offset, bytes, (size_t)length), "esp_partition_read");
}

/* write(slot, offset, buffer, byteOffset, length): onto erased flash of the slot that is not running. */
void xs_dinmeter_ota_write(xsMachine *the)
{
	const esp_partition_t *partition = otherPartition(the, 0);
	xsIntegerValue offset = xsmcToInteger(xsArg(1));
	xsIntegerValue length;
	const uint8_t *bytes = bufferSpan(the, 2, 0, &length);
	checkSpan(the, partition, offset, length);
	check(the, esp_partition_write(partition, (size_t)offset, bytes, (size_t)length), "esp_partition_write");
}

/* selectBoot(slot): the slot boots next; ESP-IDF verifies its image first and refuses a broken one. */
void xs_dinmeter_ota_select_boot(xsMachine *the)
{
	check(the, esp_ota_set_boot_partition(slotPartition(the, 0)), "esp_ota_set_boot_partition");
}

/* With CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE off this only records the image as valid in otadata. */
void xs_dinmeter_ota_mark_valid(xsMachine *the)
{
	check(the, esp_ota_mark_app_valid_cancel_rollback(), "esp_ota_mark_app_valid_cancel_rollback");
}

void xs_dinmeter_ota_restart(xsMachine *the)
{
	esp_restart();
}

#else /* not ESP-IDF: no app slots */

void xs_dinmeter_ota_running_slot(xsMachine *the)
{
	xsmcSetInteger(xsResult, -1);
}

static void unsupported(xsMachine *the)
{
	xsUnknownError("no OTA app slots on this platform");
}

void xs_dinmeter_ota_slot_bytes(xsMachine *the) { unsupported(the); }
void xs_dinmeter_ota_erase(xsMachine *the) { unsupported(the); }
void xs_dinmeter_ota_read(xsMachine *the) { unsupported(the); }
void xs_dinmeter_ota_write(xsMachine *the) { unsupported(the); }
void xs_dinmeter_ota_select_boot(xsMachine *the) { unsupported(the); }
void xs_dinmeter_ota_mark_valid(xsMachine *the) { unsupported(the); }
void xs_dinmeter_ota_restart(xsMachine *the) { unsupported(the); }

#endif
