/* ESP-IDF v5 components/app_update/include/esp_ota_ops.h, the part ota-flash.native.c uses (host compile check only). */
#pragma once
#include "esp_err.h"
#include "esp_partition.h"
const esp_partition_t *esp_ota_get_running_partition(void);
esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition);
esp_err_t esp_ota_mark_app_valid_cancel_rollback(void);
